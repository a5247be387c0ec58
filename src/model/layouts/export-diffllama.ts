/**
 * Canonical DIFF V1 → Hugging Face DiffLlama (test/fixtures/golden/diffllama/README.md §5,
 * "Reverse"): the exact inverse of the import in `diffllama-model.ts`, through the same row maps.
 *
 * 1. Rewrite the model into the form the import produces (export-rewrites.ts): interleaved RoPE,
 *    paper pairing (naive GQA becomes multi-head attention), no subln gain (folded into out_proj).
 * 2. Describe the DiffLlama checkpoint that imports as that form: H = 2H' single heads and
 *    Hkv = 2Hkv' kv heads (even, so the import pairs kv heads g and g + Hkv/2 into canonical group g
 *    without duplicating any), same d, E, FFN, θ, and rms_norm_eps = the one ε of all norms.
 * 3. Its import layout then uses every DiffLlama row exactly once: a permutation of rows, whose
 *    inverse writes canonical row r back to source row rows[r]. This undoes the head pairing
 *    (2i, 2i+1) → (i, i + H/2), the kv grouping and the channel permutation p (interleaved → rotate_half).
 */
import { DiffAttnError, check } from '../../errors.js';
import type { F64Tensor } from '../../io/golden.js';
import type { ModelConfig } from '../config.js';
import { diffLlamaModel, type DiffLlamaConfig } from './diffllama-model.js';
import { expandNaiveKv, foldSublnGain, interleaveRope, type CanonicalModel } from './export-rewrites.js';
import type { Layout } from './row-gather.js';

/** The DiffLlama config of a canonical model, or an 'unsupported' error saying what DiffLlama lacks. */
export function diffLlamaConfigOf(c: ModelConfig): DiffLlamaConfig {
  const no = (why: string): never => {
    throw new DiffAttnError('unsupported', `DiffLlama export: ${why} (save it as diffattn${c.attention === 'diff_v1' ? ' or official' : ''} instead)`);
  };
  if (c.attention !== 'diff_v1') no(`DiffLlama has only DIFF V1 attention, this model's is ${c.attention}`);
  if (c.sublnEps !== c.normEps) no(`DiffLlama has one rms_norm_eps for every norm, but this model has normEps ${c.normEps} and sublnEps ${c.sublnEps}`);
  if (c.rotaryDim !== c.headDim) no(`DiffLlama rotates whole heads, but rotaryDim ${c.rotaryDim} ≠ headDim ${c.headDim}`);
  if (c.ropeSchedule !== 'standard') no(`DiffLlama has only the standard RoPE frequencies, this model uses '${c.ropeSchedule}'`);
  // Naive GQA is exported as multi-head attention (expandNaiveKv), whose H' groups become 2H' kv heads.
  const groups = c.pairing === 'naive' ? c.numHeads : c.numKvHeads;
  return {
    vocabSize: c.vocabSize, hiddenSize: c.dModel, intermediateSize: c.ffnHidden, numLayers: c.numLayers,
    numHeads: 2 * c.numHeads, numKvHeads: 2 * groups, headDim: c.headDim, rmsNormEps: c.normEps,
    ropeTheta: c.ropeTheta, tieWordEmbeddings: c.tieEmbeddings,
  };
}

/** The DiffLlama config and weights (under DiffLlama's names) of a canonical DIFF V1 model. */
export function toDiffLlama(m: CanonicalModel): { config: DiffLlamaConfig; tensors: Map<string, F64Tensor> } {
  const config = diffLlamaConfigOf(m.config);
  const canonical = foldSublnGain(expandNaiveKv(interleaveRope(m)));
  const { layout, sourceShapes } = diffLlamaModel(config);
  return { config, tensors: invertRowPermutation(layout, canonical.params, sourceShapes) };
}

/**
 * The source parameters of a gather that reads every source row exactly once:
 * source[rows[r]] = canonical[r]. Throws if the layout is not such a permutation, since then the
 * canonical model has no exact preimage.
 */
function invertRowPermutation(layout: Layout, canonical: ReadonlyMap<string, F64Tensor>, sourceShapes: ReadonlyMap<string, readonly number[]>): Map<string, F64Tensor> {
  const out = new Map<string, F64Tensor>();
  const written = new Map<string, Uint8Array>();
  for (const [name, { source, rows }] of layout) {
    const shape = sourceShapes.get(source)!;
    const rowLen = shape.slice(1).reduce((p, d) => p * d, 1);
    if (!out.has(source)) {
      out.set(source, { shape: [...shape], data: new Float64Array(shape[0] * rowLen) });
      written.set(source, new Uint8Array(shape[0]));
    }
    const dst = out.get(source)!.data;
    const seen = written.get(source)!;
    const t = canonical.get(name)!;
    for (let r = 0; r < t.shape[0]; r++) {
      const s = rows ? rows[r] : r;
      seen[s]++;
      dst.set(t.data.subarray(r * rowLen, (r + 1) * rowLen), s * rowLen);
    }
  }
  for (const [source, seen] of written) {
    check(seen.every((n) => n === 1), 'value', () => `DiffLlama export: rows of '${source}' are not a permutation of the canonical rows`);
  }
  return out;
}
