/**
 * Synthetic golden files: any configuration the format describes (README §2–§6), built in
 * memory with parameters under their official names, float32-representable random values,
 * complete metadata, and outputs and intermediates from the independent forward of this folder.
 * Gradients, when asked for, come from finite differences of L = Σ y ⊙ grad_y on that forward;
 * each `grad.<name>` is stored only if its own error estimate says it is accurate to the
 * tolerance `verify` will judge it by (see `FD_ACCEPT`).
 */
import { writeSafetensors, type SafeTensor } from '../../../src/io/safetensors.js';
import { TOLERANCES } from '../../../src/oracle/compare.js';
import { checkConfig, isV1, isV2, lambdaInitOf, parameterShapes, type CaseConfig, type Kind } from './config.js';
import { finiteDifferenceGradients, type FdGradient } from './finite-difference.js';
import { independentForward, lossOf } from './forward.js';
import { buildRopeTables, dot, type RopeSchedule } from './primitives.js';
import { fromFn, numel, Rng, type Tensor } from './tensor.js';

/** What a synthetic case varies; everything not given takes the default of `DEFAULTS`. */
export interface SyntheticSpec {
  name: string;
  kind: Kind;
  embedDim: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  batch?: number;
  seqLen?: number;
  depth?: number;
  rotaryDim?: number;
  ropeTheta?: number;
  ropeSchedule?: RopeSchedule;
  interleaved?: boolean;
  ffnHidden?: number;
  seed?: number;
  /** README §6 stress λ: dot products (λq1·λk1, λq2·λk2) = (0.1, 1.4) or (1.6, −0.5). */
  lambdaStress?: 'negative' | 'positive';
  /** x = N(0, 1)·xScale (the stress files use 3). */
  xScale?: number;
  /** V2: multiplies `lambda_proj.weight` (the official mqa file uses 8: sigmoid far from ½). */
  lambdaProjScale?: number;
  /** Store finite-difference gradients (small cases only: 6 forwards per parameter element). */
  grads?: boolean;
}

export interface SyntheticGolden {
  config: CaseConfig;
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
  bytes: Uint8Array;
  /** Finite-difference gradients left out because their error estimate was too large. */
  omittedGrads: string[];
}

const DEFAULTS = { batch: 1, seqLen: 5, depth: 1, ropeTheta: 10000, ropeSchedule: 'standard', interleaved: true, seed: 1 } as const;

/** The dot-product targets of README §6 and the λ they give: e^a − e^b + λ_init. */
export const STRESS_DOTS = { negative: [0.1, 1.4], positive: [1.6, -0.5] } as const;

/** Relative FD step: h ≈ 1e-3 · max|p| balances O(h⁴) truncation against O(ε|L|/h) round-off. */
export const FD_REL_STEP = 1e-3;

/**
 * A gradient is stored only if its FD error estimate is ≤ FD_ACCEPT × (atol + rtol·max|g|), the
 * float64 tolerance `verify` judges it by. Against the official gradients of the two tiny golden
 * files the estimate was 1.0–3.6× the true error on every tensor (and it is 15/16 of it in the
 * worst, truncation-dominated case), so a stored gradient is within ~half the tolerance. This
 * rejects the λ vectors: their gradients are small next to |L| and lost in its round-off (true
 * error 0.5–1.1× the tolerance at T = 7, 6–9× at T = 1, where they are ~3e-5).
 */
export const FD_ACCEPT = 0.5;

/** The float64 tolerance `verify` judges a tensor by: atol + rtol·max|ref|. */
export function verifyTolerance(ref: Tensor): number {
  const { atol, rtol } = TOLERANCES.float64;
  return atol + rtol * ref.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** Whether a finite-difference gradient is accurate enough to be stored as a golden gradient. */
export function fdAccepts(g: FdGradient): boolean {
  return g.errorEstimate <= FD_ACCEPT * verifyTolerance(g.gradient);
}

export function specConfig(s: SyntheticSpec): CaseConfig {
  const config: CaseConfig = {
    kind: s.kind, batch: s.batch ?? DEFAULTS.batch, seqLen: s.seqLen ?? DEFAULTS.seqLen,
    embedDim: s.embedDim, numHeads: s.numHeads, numKvHeads: s.numKvHeads, headDim: s.headDim,
    depth: isV1(s.kind) ? (s.depth ?? DEFAULTS.depth) : 0,
    rotaryDim: s.rotaryDim ?? s.headDim, ropeTheta: s.ropeTheta ?? DEFAULTS.ropeTheta,
    ropeSchedule: s.ropeSchedule ?? DEFAULTS.ropeSchedule, interleaved: s.interleaved ?? DEFAULTS.interleaved,
    sublnEps: isV1(s.kind) ? 1e-5 : 0, normEps: s.kind === 'decoder_layer_v1' ? 1e-5 : 0,
    ffnHidden: s.kind === 'decoder_layer_v1' ? (s.ffnHidden ?? 2 * s.embedDim) : 0,
  };
  checkConfig(config);
  return config;
}

export function makeGolden(spec: SyntheticSpec): SyntheticGolden {
  const config = specConfig(spec);
  const { batch: B, seqLen: T, embedDim: E } = config;
  const rng = new Rng(spec.seed ?? DEFAULTS.seed);
  const f32 = (v: number): number => Math.fround(v);

  const params = new Map<string, Tensor>();
  for (const [name, shape] of parameterShapes(config)) params.set(name, { shape, data: initialValues(name, shape, rng, spec) });
  if (spec.lambdaStress) {
    if (!isV1(config.kind)) throw new Error(`${spec.name}: stress λ applies to the V1 kinds only`);
    applyLambdaStress(params, config.kind === 'decoder_layer_v1' ? 'attn.' : '', STRESS_DOTS[spec.lambdaStress]);
  }
  const x = fromFn([B, T, E], () => f32(rng.normal() * (spec.xScale ?? 1)));
  const gradY = fromFn([B, T, E], () => f32(rng.normal()));
  const rope = buildRopeTables(T, config.rotaryDim, config.ropeTheta, config.ropeSchedule);

  const result = independentForward(config, params, x, rope);
  const tensors = new Map<string, SafeTensor>();
  const f64 = (name: string, t: Tensor): void => { tensors.set(name, { dtype: 'F64', shape: [...t.shape], data: t.data.slice() }); };
  const i64 = (name: string, values: number[]): void => { tensors.set(name, { dtype: 'I64', shape: [values.length], data: BigInt64Array.from(values, BigInt) }); };
  for (const [name, t] of params) f64(name, t);
  f64('x', x);
  f64('grad_y', gradY);
  f64('rope.cos', fromFn([T, config.rotaryDim / 2], (t, j) => rope.cos[t][j]));
  f64('rope.sin', fromFn([T, config.rotaryDim / 2], (t, j) => rope.sin[t][j]));
  i64('rope.positions', Array.from({ length: T }, (_, t) => t));
  f64('y', result.y);
  for (const [name, t] of result.intermediates) f64(name, t);
  for (const [name, m] of result.maps) i64(name, m);

  const checks: Record<string, string> = {};
  const omittedGrads: string[] = [];
  if (spec.grads) {
    const inputs = new Map([['x', x], ...params]);
    const fd = finiteDifferenceGradients(inputs, () => lossOf(independentForward(config, params, x, rope).y, gradY), FD_REL_STEP);
    for (const [name, g] of fd) {
      checks[`check.fd_error_estimate_grad.${name}`] = g.errorEstimate.toExponential(3);
      checks[`check.fd_tolerance_grad.${name}`] = verifyTolerance(g.gradient).toExponential(3);
      if (fdAccepts(g)) f64(`grad.${name}`, g.gradient);
      else omittedGrads.push(`grad.${name}`);
    }
  }

  const metadata = { ...metadataFor(spec, config, result.intermediates), ...checks };
  return { config, tensors, metadata, bytes: writeSafetensors(tensors, metadata), omittedGrads };
}

/** README §6 initialisation, rounded to float32 (every stored input is float32-representable). */
function initialValues(name: string, shape: number[], rng: Rng, spec: SyntheticSpec): Float64Array {
  const n = numel(shape);
  if (/lambda_[qk][12]$/.test(name)) return Float64Array.from({ length: n }, () => Math.fround(0.1 * rng.normal()));
  if (/(subln|attn_norm|ffn_norm)\.weight$/.test(name)) {
    // Gains 1 + s·N(0,1), so the norm is not the identity; the stress cases widen them and flip
    // every third sign (README §6).
    const s = spec.lambdaStress ? 0.5 : 0.2;
    return Float64Array.from({ length: n }, (_, c) => Math.fround((spec.lambdaStress && c % 3 === 0 ? -1 : 1) * (1 + s * rng.normal())));
  }
  // nn.Linear default: U(−1/√in, 1/√in).
  const bound = 1 / Math.sqrt(shape[1]);
  const gain = name === 'lambda_proj.weight' ? (spec.lambdaProjScale ?? 1) : 1;
  return Float64Array.from({ length: n }, () => Math.fround(gain * bound * (2 * rng.uniform() - 1)));
}

/** Rescales λq1 and λq2 so that λq1·λk1 and λq2·λk2 hit the README §6 targets (then float32). */
function applyLambdaStress(params: Map<string, Tensor>, prefix: string, [dot1, dot2]: readonly [number, number]): void {
  for (const [q, k, target] of [['lambda_q1', 'lambda_k1', dot1], ['lambda_q2', 'lambda_k2', dot2]] as const) {
    const lq = params.get(prefix + q)!;
    const factor = target / dot(lq.data, params.get(prefix + k)!.data);
    lq.data = lq.data.map((v) => Math.fround(v * factor));
  }
}

/** Python `repr` of a float (the README's number format, §4): shortest digits, Python's layout. */
export function pyFloat(v: number): string {
  const [mantissa, exponent] = v.toExponential().split('e');
  const e = Number(exponent);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

const OFFICIAL_FILE: Record<Kind, string> = {
  diff_v1: 'Diff-Transformer/multihead_diffattn.py',
  diff_v1_flash1: 'Diff-Transformer/multihead_flashdiff_1.py',
  diff_v2: 'Diff-Transformer/Diff-Transformer-V2/multihead_flashdiffv2.py',
  baseline_v2: 'Diff-Transformer/Diff-Transformer-V2/multihead_flashdiffv2.py',
  baseline: 'Diff-Transformer/multihead_attention.py',
  decoder_layer_v1: 'none (paper equations around Diff-Transformer/multihead_diffattn.py)',
};

const FORMULA: Record<'v1' | 'v2' | 'baseline' | 'decoder', string> = {
  v1: 'q=x Wq^T view(B,T,2H,d); k=x Wk^T view(B,T,2Hkv,d); v=x Wv^T view(B,T,Hkv,2d); rope(q),rope(k); A_m(i)=softmax(q_{2i+m} k_{kmap[2i+m]}^T/sqrt(d)+causal); lambda=exp(lq1.lk1)-exp(lq2.lk2)+lambda_init; O_i=(A_0(i)-lambda A_1(i)) v_{vmap[i]}; y=concat_i((1-lambda_init) RMSNorm(O_i) subln.weight) Wout^T',
  v2: 'q=x Wq^T view(B,T,nq,d) (nq=2H if diff else H); k,v=x W^T view(B,T,Hkv,d); rope(q),rope(k); a_h=softmax(q_h k_{h//(nq/Hkv)}^T/sqrt(d)+causal) v_{h//(nq/Hkv)}; o_i=a_{2i}-sigmoid(x Wlambda^T)_i a_{2i+1} (diff) else o_h=a_h; y=concat_i(o_i) Wo^T',
  baseline: 'q=x Wq^T view(B,T,H,d); k,v=x W^T view(B,T,Hkv,d); rope(q),rope(k); a_h=softmax(q_h k_{h//n_rep}^T/sqrt(d)+causal) v_{h//n_rep}; y=concat_h(a_h) Wout^T',
  decoder: 'h = x + DiffAttn(RMSNorm(x; attn_norm.weight)); y = h + (silu(n W_g^T) * (n W_1^T)) W_2^T, n = RMSNorm(h; ffn_norm.weight); DiffAttn = naive V1',
};

/** Every metadata key of README §4, for this configuration. */
function metadataFor(spec: SyntheticSpec, c: CaseConfig, intermediates: Map<string, Tensor>): Record<string, string> {
  const { kind, embedDim: E, numHeads: H, numKvHeads: Hkv, headDim: d } = c;
  const lambdaName = kind === 'decoder_layer_v1' ? 'attn.lambda_full' : 'lambda_full';
  const meta: Record<string, string> = {
    format: 'diff-transformer-oracle/1',
    case: spec.name,
    kind,
    source: 'synthetic (independent float64 re-derivation of README §5, not official code)',
    official_file: OFFICIAL_FILE[kind],
    official_commit: 'n/a (synthetic)',
    official_sha256: 'n/a (synthetic)',
    seed: String(spec.seed ?? DEFAULTS.seed),
    seq_len: String(c.seqLen),
    batch: String(c.batch),
    embed_dim: String(E),
    num_heads: String(H),
    num_kv_heads: String(Hkv),
    head_dim: String(d),
    depth: isV1(kind) ? String(c.depth) : 'n/a',
    lambda_init: isV1(kind) ? pyFloat(lambdaInitOf(c.depth)) : 'n/a',
    rope_theta: pyFloat(c.ropeTheta),
    rope_schedule: c.ropeSchedule,
    rotary_dim: String(c.rotaryDim),
    interleaved: String(c.interleaved),
    causal: 'true',
    dtype: 'float64',
    precision: 'float64 throughout (no float32 casts to lift)',
    torch_version: 'none',
    layout: 'row-major; nn.Linear weight is [out_features, in_features], y = x @ W^T',
    inputs_f32_representable: 'true',
    formula: FORMULA[kind === 'decoder_layer_v1' ? 'decoder' : isV1(kind) ? 'v1' : isV2(kind) ? 'v2' : 'baseline'],
    generator: 'test/oracle/independent/make-golden.ts',
    check_metric: `grad.* are 4th-order central finite differences (h = 2^round(log2(${FD_REL_STEP}·max|p|))) of L = sum(y*grad_y); check.fd_error_estimate_* = max|g_h - g_{h/2}|, stored only when <= ${FD_ACCEPT}·check.fd_tolerance_*`,
  };
  if (isV1(kind)) {
    Object.assign(meta, {
      n_rep: String(H / Hkv), qk_head_dim: String(d), v_head_dim: String(2 * d),
      lambda_full: pyFloat(intermediates.get(lambdaName)!.data[0]), scaling: pyFloat(1 / Math.sqrt(d)), subln_eps: pyFloat(c.sublnEps),
      kv_mapping: kind === 'diff_v1_flash1'
        ? 'flash: diff head i uses kv group g=i//n_rep; map1 uses k head 2g, map2 uses k head 2g+1, v head g'
        : 'naive repeat_kv: q head h (of 2H) uses k head h//n_rep (of 2Hkv); diff head i uses v head i//n_rep',
    });
  }
  if (kind === 'decoder_layer_v1') {
    Object.assign(meta, {
      norm_eps: pyFloat(c.normEps), ffn_hidden: String(c.ffnHidden),
      param_names: 'attn_norm.weight [E]; attn.<MultiheadDiffAttn state_dict>; ffn_norm.weight [E]; ffn.w_g.weight [hidden,E]; ffn.w_1.weight [hidden,E]; ffn.w_2.weight [E,hidden]',
    });
  }
  if (isV2(kind)) {
    Object.assign(meta, {
      d_model: String(E), num_q_heads: String(kind === 'diff_v2' ? 2 * H : H), use_diff_v2: String(kind === 'diff_v2'),
      scaling: pyFloat(1 / Math.sqrt(d)),
      flash_attn_substitute: 'exact causal softmax attention, scale 1/sqrt(head_dim), query head h uses kv head h // (num_q_heads/num_kv_heads)',
      torch_compile_substitute: 'identity',
    });
  }
  if (kind === 'baseline') Object.assign(meta, { n_rep: String(H / Hkv), scaling: pyFloat(1 / Math.sqrt(d)) });
  return meta;
}
