/**
 * Multi-head differential attention, DIFF V1 (Ye et al. 2024, §2.1), as the official
 * `MultiheadDiffAttn`:
 *
 *   [Q1; Q2] = X W^Q,  [K1; K2] = X W^K,  V = X W^V
 *   DiffAttn(X) = (softmax(Q1 K1ᵀ/√d) − λ·softmax(Q2 K2ᵀ/√d)) V                  (1)
 *   λ = exp(λq1·λk1) − exp(λq2·λk2) + λinit,  λinit = 0.8 − 0.6·exp(−0.3·depth)   (2)
 *   head̄_i = (1 − λinit) · RMSNorm(head_i),  MultiHead(X) = Concat(head̄_i) W^O     (3)
 *
 * Layout (official): differential head i owns query heads 2i (map 1) and 2i+1 (map 2), each of
 * size d; values have 2d channels per head; one λ for the whole layer; the norm's gain (2d) is
 * shared by all heads.
 */
import { check } from '../../errors.js';
import { exp, matmul, mul, reshape, rotary, scale, slice, sub, sum, add, indexSelect, type RotaryStyle } from '../ops/index.js';
import { Rng } from '../random.js';
import { Tensor } from '../tensor.js';
import { causalMaps, mergeHeads, toHeads } from './heads.js';
import type { Trace } from './trace.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { RMSNorm } from './rmsnorm.js';
import type { RopeTables } from './rotary.js';

/**
 * Which key head each map of a differential head reads under grouped-query attention.
 * - `paper`: diff head i in KV group g = ⌊i/n_rep⌋ uses K1 = key head 2g and K2 = key head 2g+1,
 *   the paper's (Q1,K1),(Q2,K2) and the official flash modules.
 * - `naive`: the official naive file's `repeat_kv` over the 2·Hkv interleaved key heads: query
 *   head h reads key head ⌊h/n_rep⌋, so with n_rep = 2 both maps of a head read the same key head.
 * Both agree for multi-head attention (n_rep = 1).
 */
export type GqaPairing = 'paper' | 'naive';

export interface DiffAttnConfig {
  /** Model width E (the official `embed_dim`). */
  embedDim: number;
  /** Number of differential heads H (each owns two query heads). */
  numHeads: number;
  /** Number of KV groups Hkv; must divide H. Default H (multi-head). */
  numKvHeads?: number;
  /** q/k head size d; values use 2d. Default E / 2H (the official constraint). */
  headDim?: number;
  /** 0-based layer index, which sets λinit. */
  depth: number;
  pairing?: GqaPairing;
  /** ε of the per-head RMSNorm (official: 1e-5). */
  sublnEps?: number;
  /** Whether the per-head norm has a learnable gain (official: yes; DiffLlama: no). */
  sublnAffine?: boolean;
  ropeStyle?: RotaryStyle;
}

/** λinit(depth) = 0.8 − 0.6·exp(−0.3·depth), depth the 0-based layer index (paper: l − 1). */
export function lambdaInit(depth: number): number {
  return 0.8 - 0.6 * Math.exp(-0.3 * depth);
}

/** κ: the key head read by each of the 2H query heads (see `GqaPairing`). */
export function keyHeadForQueryHead(numHeads: number, numKvHeads: number, pairing: GqaPairing): number[] {
  const nRep = numHeads / numKvHeads;
  return Array.from({ length: 2 * numHeads }, (_, h) =>
    pairing === 'naive' ? Math.floor(h / nRep) : 2 * Math.floor(Math.floor(h / 2) / nRep) + (h % 2));
}

/** The value head (2d wide) read by each differential head: ⌊i/n_rep⌋ in both pairings. */
export function valueHeadForDiffHead(numHeads: number, numKvHeads: number): number[] {
  return Array.from({ length: numHeads }, (_, i) => Math.floor(i / (numHeads / numKvHeads)));
}

export class MultiheadDiffAttn extends Module {
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly lambdaInit: number;
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly out_proj: Linear;
  readonly lambda_q1: Tensor;
  readonly lambda_k1: Tensor;
  readonly lambda_q2: Tensor;
  readonly lambda_k2: Tensor;
  readonly subln: RMSNorm;
  private readonly kHead: number[];
  private readonly vHead: number[];
  private readonly ropeStyle: RotaryStyle;

  constructor(readonly config: DiffAttnConfig, rng = new Rng(0)) {
    super();
    const { embedDim: E, numHeads: H, depth } = config;
    const Hkv = config.numKvHeads ?? H;
    const d = config.headDim ?? E / (2 * H);
    validate(E, H, Hkv, d, depth);
    this.numHeads = H;
    this.numKvHeads = Hkv;
    this.headDim = d;
    this.lambdaInit = lambdaInit(depth);
    this.ropeStyle = config.ropeStyle ?? 'interleaved';
    this.kHead = keyHeadForQueryHead(H, Hkv, config.pairing ?? 'paper');
    this.vHead = valueHeadForDiffHead(H, Hkv);
    this.q_proj = this.child('q_proj', new Linear(E, 2 * H * d, rng));
    this.k_proj = this.child('k_proj', new Linear(E, 2 * Hkv * d, rng));
    this.v_proj = this.child('v_proj', new Linear(E, Hkv * 2 * d, rng));
    this.out_proj = this.child('out_proj', new Linear(H * 2 * d, E, rng));
    const lambdaVector = (name: string): Tensor => this.param(name, new Tensor(rng.normalArray(d, 0.1), [d]));
    this.lambda_q1 = lambdaVector('lambda_q1');
    this.lambda_k1 = lambdaVector('lambda_k1');
    this.lambda_q2 = lambdaVector('lambda_q2');
    this.lambda_k2 = lambdaVector('lambda_k2');
    this.subln = this.child('subln', new RMSNorm(2 * d, config.sublnEps ?? 1e-5, config.sublnAffine ?? true));
  }

  /** λ of equation (2), one scalar for the layer: → [1] */
  lambda(): Tensor {
    const expDot = (q: Tensor, k: Tensor): Tensor => exp(sum(mul(q, k)));
    return add(sub(expDot(this.lambda_q1, this.lambda_k1), expDot(this.lambda_q2, this.lambda_k2)), Tensor.scalar(this.lambdaInit));
  }

  // x: [B, T, E], rope tables [≥T, r/2] → [B, T, E]
  forward(x: Tensor, rope: RopeTables, trace?: Trace): Tensor {
    const [B, T] = x.shape;
    const { numHeads: H, numKvHeads: Hkv, headDim: d } = this;
    const q = rotary(reshape(this.q_proj.forward(x), [B, T, 2 * H, d]), rope.cos, rope.sin, this.ropeStyle);
    const k = rotary(reshape(this.k_proj.forward(x), [B, T, 2 * Hkv, d]), rope.cos, rope.sin, this.ropeStyle);
    const v = toHeads(reshape(this.v_proj.forward(x), [B, T, Hkv, 2 * d])); // [B, Hkv, T, 2d]

    // Both maps of every head at once, then split: query head 2i → A1_i, 2i+1 → A2_i.
    const maps = reshape(causalMaps(toHeads(q), toHeads(k), this.kHead), [B, H, 2, T, T]);
    const a1 = reshape(slice(maps, 2, 0, 1), [B, H, T, T]);
    const a2 = reshape(slice(maps, 2, 1, 2), [B, H, T, T]);

    const lambda = this.lambda();
    const heads = matmul(sub(a1, mul(lambda, a2)), indexSelect(v, 1, this.vHead)); // (1): [B, H, T, 2d]
    const normed = this.subln.forward(heads); // per head, over its 2d channels
    const z = mergeHeads(scale(normed, 1 - this.lambdaInit)); // (3): [B, T, H·2d]
    const y = this.out_proj.forward(z);

    trace?.set('q_rot', q).set('k_rot', k).set('attn1', a1).set('attn2', a2).set('lambda_full', lambda)
      .set('lambda_init', Tensor.scalar(this.lambdaInit)).set('pre_subln', heads).set('post_subln', normed).set('pre_out_proj', z);
    return y;
  }
}

function validate(E: number, H: number, Hkv: number, d: number, depth: number): void {
  const positive = (v: number): boolean => Number.isInteger(v) && v > 0;
  check(positive(E) && positive(H) && positive(Hkv), 'value', () =>
    `MultiheadDiffAttn: embedDim, numHeads and numKvHeads must be positive integers, got ${E}, ${H}, ${Hkv}`);
  check(H % Hkv === 0, 'value', () => `MultiheadDiffAttn: numKvHeads (${Hkv}) must divide numHeads (${H})`);
  check(positive(d), 'value', () =>
    `MultiheadDiffAttn: headDim must be a positive integer (default embedDim / (2·numHeads) = ${E}/${2 * H}), got ${d}`);
  check(Number.isFinite(depth) && depth >= 0, 'value', () => `MultiheadDiffAttn: depth must be ≥ 0, got ${depth}`);
}
