/**
 * `ModelConfig`: every size and option of a language model, resolved (no defaults left open) and
 * validated, so the reference, the engine's memory plan and the checkpoint writers all read the
 * same numbers. Errors name the field, the expected and the actual value.
 */
import { DiffAttnError } from '../errors.js';
import { qkHeadDim, type LMConfig } from '../ref/index.js';

export const ATTENTION_KINDS = ['diff_v1', 'diff_v2', 'baseline'] as const;

export interface ModelConfig extends Required<Omit<LMConfig, 'headDim' | 'numKvHeads'>> {
  /** diff_v1: q/k head size d (values 2d); diff_v2 and baseline: head size. */
  headDim: number;
  numKvHeads: number;
  /** Longest sequence the model is meant for (rotary tables and KV cache are sized by it). */
  maxContext: number;
}

/** Fills the defaults of a partial config and validates the result. */
export function resolveConfig(c: LMConfig & { maxContext?: number }): ModelConfig {
  const headDim = c.headDim ?? qkHeadDim(c);
  const full: ModelConfig = {
    attention: c.attention, vocabSize: c.vocabSize, dModel: c.dModel, numLayers: c.numLayers, numHeads: c.numHeads,
    numKvHeads: c.numKvHeads ?? c.numHeads, headDim, ffnHidden: c.ffnHidden, rotaryDim: c.rotaryDim ?? headDim,
    ropeTheta: c.ropeTheta ?? 10000, ropeSchedule: c.ropeSchedule ?? 'standard', ropeStyle: c.ropeStyle ?? 'interleaved',
    normEps: c.normEps ?? 1e-5, sublnEps: c.sublnEps ?? 1e-5, sublnAffine: c.sublnAffine ?? true, pairing: c.pairing ?? 'paper',
    tieEmbeddings: c.tieEmbeddings ?? false, maxContext: c.maxContext ?? 2048,
  };
  validateConfig(full);
  return full;
}

/** Checks every field; throws a `DiffAttnError` naming the first bad one. */
export function validateConfig(c: ModelConfig, source = 'config'): void {
  const bad = (field: string, expected: string): never => {
    throw new DiffAttnError('value', `${source}: '${field}' must be ${expected}, got ${JSON.stringify((c as unknown as Record<string, unknown>)[field])}`);
  };
  if (!ATTENTION_KINDS.includes(c.attention)) bad('attention', `one of ${ATTENTION_KINDS.join(', ')}`);
  for (const f of ['vocabSize', 'dModel', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'ffnHidden', 'rotaryDim', 'maxContext'] as const) {
    if (!Number.isSafeInteger(c[f]) || c[f] <= 0) bad(f, 'a positive integer');
  }
  const queryHeads = c.attention === 'baseline' ? c.numHeads : 2 * c.numHeads;
  const kvGroupsDivide = c.attention === 'diff_v2' ? queryHeads % c.numKvHeads === 0 : c.numHeads % c.numKvHeads === 0;
  if (!kvGroupsDivide) bad('numKvHeads', `a divisor of ${c.attention === 'diff_v2' ? `the ${queryHeads} query heads` : `numHeads (${c.numHeads})`}`);
  if (c.rotaryDim % 2 !== 0 || c.rotaryDim > c.headDim) bad('rotaryDim', `even and ≤ headDim (${c.headDim})`);
  if (!(c.ropeTheta > 0 && Number.isFinite(c.ropeTheta))) bad('ropeTheta', 'a positive number');
  if (c.ropeSchedule !== 'standard' && c.ropeSchedule !== 'yoco_linspace') bad('ropeSchedule', "'standard' or 'yoco_linspace'");
  if (c.ropeStyle !== 'interleaved' && c.ropeStyle !== 'half') bad('ropeStyle', "'interleaved' or 'half'");
  for (const f of ['normEps', 'sublnEps'] as const) if (!(c[f] >= 0 && c[f] < 1)) bad(f, 'a number in [0, 1)');
  if (c.pairing !== 'paper' && c.pairing !== 'naive') bad('pairing', "'paper' or 'naive'");
  for (const f of ['sublnAffine', 'tieEmbeddings'] as const) if (typeof c[f] !== 'boolean') bad(f, 'true or false');
}

/** The width of the attention output before the output projection. */
export function attentionWidth(c: ModelConfig): number {
  return c.attention === 'diff_v1' ? c.numHeads * 2 * c.headDim : c.numHeads * c.headDim;
}

/** Shapes of every parameter under canonical names, in state-dict order, without building a model. */
export function parameterShapes(c: ModelConfig): Map<string, number[]> {
  const { dModel: C, headDim: d, numHeads: H, numKvHeads: Hkv, ffnHidden: F, vocabSize: V } = c;
  const shapes = new Map<string, number[]>([['embed.weight', [V, C]]]);
  for (let l = 0; l < c.numLayers; l++) {
    const p = `layers.${l}.`;
    shapes.set(`${p}attn_norm.weight`, [C]);
    for (const [n, s] of attentionShapes(c)) shapes.set(`${p}attn.${n}`, s);
    shapes.set(`${p}ffn_norm.weight`, [C]).set(`${p}ffn.w_g.weight`, [F, C]).set(`${p}ffn.w_1.weight`, [F, C]).set(`${p}ffn.w_2.weight`, [C, F]);
  }
  shapes.set('norm.weight', [C]);
  if (!c.tieEmbeddings) shapes.set('lm_head.weight', [V, C]);
  return shapes;

  function attentionShapes(m: ModelConfig): Array<[string, number[]]> {
    switch (m.attention) {
      case 'diff_v1':
        return [
          ...['lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2'].map((n): [string, number[]] => [n, [d]]),
          ['q_proj.weight', [2 * H * d, C]], ['k_proj.weight', [2 * Hkv * d, C]], ['v_proj.weight', [2 * Hkv * d, C]],
          ['out_proj.weight', [C, 2 * H * d]], ...(m.sublnAffine ? [['subln.weight', [2 * d]] as [string, number[]]] : []),
        ];
      case 'diff_v2':
        return [['q_proj.weight', [2 * H * d, C]], ['k_proj.weight', [Hkv * d, C]], ['v_proj.weight', [Hkv * d, C]],
          ['o_proj.weight', [C, H * d]], ['lambda_proj.weight', [H, C]]];
      case 'baseline':
        return [['q_proj.weight', [H * d, C]], ['k_proj.weight', [Hkv * d, C]], ['v_proj.weight', [Hkv * d, C]], ['out_proj.weight', [C, H * d]]];
    }
  }
}

/** Total number of scalar parameters. */
export function parameterCount(c: ModelConfig): number {
  let n = 0;
  for (const s of parameterShapes(c).values()) n += s.reduce((p, d) => p * d, 1);
  return n;
}
