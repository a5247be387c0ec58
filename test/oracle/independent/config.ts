/**
 * A golden case's configuration as the independent re-derivation sees it, the official parameter
 * names and shapes of README §5, and the metadata ⇄ config mapping of README §4. Written from the
 * README alone; it shares nothing with `src/oracle/golden-case.ts`, which it is meant to check.
 */
import type { RopeSchedule } from './primitives.js';

export const KINDS = ['diff_v1', 'diff_v1_flash1', 'diff_v2', 'baseline_v2', 'baseline', 'decoder_layer_v1'] as const;
export type Kind = (typeof KINDS)[number];

export interface CaseConfig {
  kind: Kind;
  batch: number;
  seqLen: number;
  /** E (`embed_dim`); for V2 this is `d_model`. */
  embedDim: number;
  /** H: differential heads (V1), output heads (V2), heads (baseline). */
  numHeads: number;
  numKvHeads: number;
  /** d: q/k head size (V1, value size 2d); q = k = v head size otherwise. */
  headDim: number;
  /** 0-based layer index of V1 kinds (sets λ_init); unused elsewhere. */
  depth: number;
  rotaryDim: number;
  ropeTheta: number;
  ropeSchedule: RopeSchedule;
  interleaved: boolean;
  /** ε of V1's per-head RMSNorm (`subln_eps`). */
  sublnEps: number;
  /** ε of the decoder's two pre-norms (`norm_eps`). */
  normEps: number;
  /** F, the decoder's FFN hidden size. */
  ffnHidden: number;
}

export const isV1 = (k: Kind): boolean => k === 'diff_v1' || k === 'diff_v1_flash1' || k === 'decoder_layer_v1';
export const isV2 = (k: Kind): boolean => k === 'diff_v2' || k === 'baseline_v2';

/** λ_init = 0.8 − 0.6·exp(−0.3·depth), depth 0-based (§5.2 step 6, §8.4). */
export function lambdaInitOf(depth: number): number {
  return 0.8 - 0.6 * Math.exp(-0.3 * depth);
}

/** The size relations each kind imposes (§2, §5); throws on a config the format cannot express. */
export function checkConfig(c: CaseConfig): void {
  const { kind, embedDim: E, numHeads: H, numKvHeads: Hkv, headDim: d } = c;
  const fail = (why: string): never => { throw new Error(`${kind}: ${why}`); };
  if (isV1(kind) && E !== 2 * H * d) fail(`V1 needs E = 2·H·d, got E ${E}, H ${H}, d ${d}`);
  if (kind === 'baseline' && E !== H * d) fail(`baseline needs E = H·d, got E ${E}, H ${H}, d ${d}`);
  const queryHeads = kind === 'diff_v2' ? 2 * H : H;
  if (queryHeads % Hkv !== 0) fail(`num_kv_heads ${Hkv} must divide the ${queryHeads} query heads`);
  if (!isV2(kind) && H % Hkv !== 0) fail(`num_kv_heads ${Hkv} must divide num_heads ${H}`);
  if (c.rotaryDim % 2 !== 0 || c.rotaryDim > d) fail(`rotary_dim ${c.rotaryDim} must be even and ≤ head_dim ${d}`);
}

/** Every parameter under its official `state_dict` name, with its shape (§5.2–§5.5). */
export function parameterShapes(c: CaseConfig): Map<string, number[]> {
  const { embedDim: E, numHeads: H, numKvHeads: Hkv, headDim: d } = c;
  const v1 = (prefix: string): [string, number[]][] => [
    [`${prefix}q_proj.weight`, [2 * H * d, E]],
    [`${prefix}k_proj.weight`, [2 * Hkv * d, E]],
    [`${prefix}v_proj.weight`, [Hkv * 2 * d, E]],
    [`${prefix}out_proj.weight`, [E, H * 2 * d]],
    ...['lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2'].map((n): [string, number[]] => [prefix + n, [d]]),
    [`${prefix}subln.weight`, [2 * d]],
  ];
  switch (c.kind) {
    case 'diff_v1':
    case 'diff_v1_flash1':
      return new Map(v1(''));
    case 'decoder_layer_v1':
      return new Map([
        ['attn_norm.weight', [E]], ...v1('attn.'), ['ffn_norm.weight', [E]],
        ['ffn.w_g.weight', [c.ffnHidden, E]], ['ffn.w_1.weight', [c.ffnHidden, E]], ['ffn.w_2.weight', [E, c.ffnHidden]],
      ]);
    case 'diff_v2':
    case 'baseline_v2': {
      const useDiff = c.kind === 'diff_v2';
      const nq = useDiff ? 2 * H : H;
      const shapes = new Map<string, number[]>([
        ['q_proj.weight', [nq * d, E]], ['k_proj.weight', [Hkv * d, E]], ['v_proj.weight', [Hkv * d, E]], ['o_proj.weight', [E, H * d]],
      ]);
      if (useDiff) shapes.set('lambda_proj.weight', [H, E]);
      return shapes;
    }
    case 'baseline':
      return new Map([
        ['q_proj.weight', [H * d, E]], ['k_proj.weight', [Hkv * d, E]], ['v_proj.weight', [Hkv * d, E]], ['out_proj.weight', [E, H * d]],
      ]);
  }
}

/** Reads a case's configuration from golden metadata (§4: all values are strings). */
export function configFromMetadata(meta: Readonly<Record<string, string>>): CaseConfig {
  const get = (key: string): string => {
    const v = meta[key];
    if (v === undefined) throw new Error(`metadata key '${key}' is missing`);
    return v;
  };
  const num = (key: string): number => Number(get(key));
  const kind = get('kind') as Kind;
  if (!KINDS.includes(kind)) throw new Error(`unknown kind '${kind}'`);
  if (kind === 'diff_v2' && get('use_diff_v2') !== 'true') throw new Error('kind diff_v2 needs use_diff_v2 = true');
  if (kind === 'baseline_v2' && get('use_diff_v2') !== 'false') throw new Error('kind baseline_v2 needs use_diff_v2 = false');
  const config: CaseConfig = {
    kind,
    batch: num('batch'),
    seqLen: num('seq_len'),
    embedDim: num(isV2(kind) ? 'd_model' : 'embed_dim'),
    numHeads: num('num_heads'),
    numKvHeads: num('num_kv_heads'),
    headDim: num('head_dim'),
    depth: isV1(kind) ? num('depth') : 0,
    rotaryDim: num('rotary_dim'),
    ropeTheta: num('rope_theta'),
    ropeSchedule: get('rope_schedule') as RopeSchedule,
    interleaved: get('interleaved') === 'true',
    sublnEps: isV1(kind) ? num('subln_eps') : 0,
    normEps: kind === 'decoder_layer_v1' ? num('norm_eps') : 0,
    ffnHidden: kind === 'decoder_layer_v1' ? num('ffn_hidden') : 0,
  };
  checkConfig(config);
  return config;
}
