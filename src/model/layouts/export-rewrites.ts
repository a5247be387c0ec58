/**
 * Rewrites of a canonical model into another canonical model that computes the same function, so
 * that an export target with fewer options (official: interleaved RoPE and a subln gain only;
 * DiffLlama: no gain, no naive GQA) can still hold it. Each one is exact in float64 except the gain
 * fold, which rounds once per out_proj weight (a product of two doubles).
 *
 * - `interleaveRope`: RoPE 'half' rotates channel pairs (j, j + r/2); permuting every q and k head's
 *   first r channels by p[2j] = j, p[2j+1] = j + r/2 makes them the pairs (2j, 2j+1) with the same
 *   frequency ω_j, and q·k is unchanged because q and k are permuted alike.
 * - `expandNaiveKv`: naive GQA (query head h reads key head κ(h) = ⌊h/n_rep⌋, diff head i reads value
 *   head ⌊i/n_rep⌋) as multi-head attention whose key head h is a copy of κ(h) and value head i a
 *   copy of ⌊i/n_rep⌋: the same reads, so the same outputs.
 * - `foldSublnGain`: out_proj · (g ⊙ z) = (out_proj · diag(g)) · z, per 2d block of each head:
 *   out_proj[:, i·2d + c] ← out_proj[:, i·2d + c] · g[c].
 * - `unitSublnGain`: a gain of ones is the identity.
 */
import type { F64Tensor } from '../../io/golden.js';
import { keyHeadForQueryHead, valueHeadForDiffHead } from '../../ref/index.js';
import { parameterShapes, type ModelConfig } from '../config.js';
import type { Params } from '../params.js';
import { blockRows, halfToInterleaved } from './diffllama.js';
import { gatherParams, type Layout } from './row-gather.js';

/** A model under canonical names. */
export interface CanonicalModel {
  config: ModelConfig;
  params: Params;
}

/** RoPE 'half' → 'interleaved' (see the file comment); other models are returned as they are. */
export function interleaveRope(m: CanonicalModel): CanonicalModel {
  const { ropeStyle, headDim: d, rotaryDim: r } = m.config;
  if (ropeStyle === 'interleaved') return m;
  const inner = halfToInterleaved(r);
  const perm = Int32Array.from({ length: d }, (_, f) => (f < r ? inner[f] : f)); // channels ≥ r are not rotated
  const permuted = new Set(['q_proj.weight', 'k_proj.weight']);
  return rewriteRows(m, { ...m.config, ropeStyle: 'interleaved' }, (name, rows) =>
    (permuted.has(attnName(name)) ? blockRows(Array.from({ length: rows / d }, (_, h) => h), d, perm) : undefined));
}

/** Naive-pairing GQA → multi-head attention (see the file comment); other models unchanged. */
export function expandNaiveKv(m: CanonicalModel): CanonicalModel {
  const { attention, pairing, numHeads: H, numKvHeads: Hkv, headDim: d } = m.config;
  if (attention !== 'diff_v1' || pairing !== 'naive' || Hkv === H) return m;
  const k = blockRows(keyHeadForQueryHead(H, Hkv, 'naive'), d);
  const v = blockRows(valueHeadForDiffHead(H, Hkv), 2 * d);
  return rewriteRows(m, { ...m.config, numKvHeads: H, pairing: 'paper' }, (name) =>
    (attnName(name) === 'k_proj.weight' ? k : attnName(name) === 'v_proj.weight' ? v : undefined));
}

/** Folds each V1 layer's subln gain into its out_proj columns (see the file comment). */
export function foldSublnGain(m: CanonicalModel): CanonicalModel {
  if (m.config.attention !== 'diff_v1' || !m.config.sublnAffine) return m;
  const twoD = 2 * m.config.headDim;
  const params = new Map(m.params);
  for (let l = 0; l < m.config.numLayers; l++) {
    const p = `layers.${l}.attn.`;
    const g = params.get(`${p}subln.weight`)!.data;
    const w = params.get(`${p}out_proj.weight`)!;
    // out_proj: [E, H·2d], rows of H·2d: element idx is in column idx mod H·2d, of channel idx mod 2d.
    params.set(`${p}out_proj.weight`, { shape: [...w.shape], data: w.data.map((x, idx) => x * g[idx % twoD]) });
    params.delete(`${p}subln.weight`);
  }
  return { config: { ...m.config, sublnAffine: false }, params };
}

/** Gives each V1 layer without a subln gain a gain of ones. */
export function unitSublnGain(m: CanonicalModel): CanonicalModel {
  if (m.config.attention !== 'diff_v1' || m.config.sublnAffine) return m;
  const params = new Map(m.params);
  const ones: F64Tensor = { shape: [2 * m.config.headDim], data: new Float64Array(2 * m.config.headDim).fill(1) };
  for (let l = 0; l < m.config.numLayers; l++) params.set(`layers.${l}.attn.subln.weight`, { shape: [...ones.shape], data: ones.data.slice() });
  return { config: { ...m.config, sublnAffine: true }, params };
}

/** `layers.N.attn.q_proj.weight` → `q_proj.weight`; other names → ''. */
function attnName(name: string): string {
  const m = /^layers\.\d+\.attn\.(.+)$/.exec(name);
  return m ? m[1] : '';
}

/**
 * Every parameter of `config` from the same-named parameter of `m`, with the rows `rowsOf` picks
 * (undefined: all, in order). `rows` is the source's row count.
 */
function rewriteRows(m: CanonicalModel, config: ModelConfig, rowsOf: (name: string, rows: number) => Int32Array | undefined): CanonicalModel {
  const sourceShapes = parameterShapes(m.config);
  const layout: Layout = new Map([...parameterShapes(config).keys()].map((name) => [name, { source: name, rows: rowsOf(name, sourceShapes.get(name)![0]) }]));
  return { config, params: gatherParams(layout, m.params, sourceShapes) };
}
