/**
 * The memory of a model on the engine, planned once from its config and limits: parameters (one
 * contiguous block in state-dict order, so AdamW and clipping run over it in one call), their
 * gradients and AdamW moments (training), activations (per layer when training, since backward
 * reads them; one reused set otherwise), the KV cache (inference), rotary tables and kernel scratch.
 *
 * Sizes: N = batch · maxContext rows; C model width; F FFN width; V vocabulary; for the attention,
 * Qw, Kw, Vw the q, k, v row widths and Ow the attention output width (attention-desc.ts).
 */
import { attentionLayout, descriptorBytes, type AttentionLayout } from '../attention-desc.js';
import { MemoryPlan } from '../plan.js';
import { parameterShapes, type ModelConfig } from '../../model/config.js';
import type { WasmModule } from '../wasm.js';

export interface EngineLimits {
  /** Sequences per batch. */
  batch: number;
  /** Longest sequence (prefill length, training context, or KV-cache capacity). */
  maxContext: number;
  /** Plan gradients, AdamW moments and per-layer activations. */
  training: boolean;
  /**
   * Inference: also keep every layer's activations (as training does) so `hiddenStates` and
   * `attentionMaps` can read them after a forward; default false, which plans one shared set.
   */
  keepActivations?: boolean;
}

/** Whether each layer keeps its own activations (training, or inference that asked to inspect them). */
export function perLayerActivations(limits: EngineLimits): boolean {
  return limits.training || (limits.keepActivations ?? false);
}

/** Activations of one layer (one set when not training). */
export interface LayerActs {
  x: number; n1: number; rstd1: number; q: number; k: number; v: number; z: number; lse: number; rstdA: number;
  lam: number; sig: number; h: number; n2: number; rstd2: number; g: number; u: number; m: number;
}

/** Every planned pointer of a model, by role. */
export interface ModelMemory {
  plan: MemoryPlan;
  attn: AttentionLayout;
  /** Parameter name → [float offset from `params`, number of floats]. */
  paramIndex: Map<string, { offset: number; size: number }>;
  numParams: number;
  params: number; grads: number; adamM: number; adamV: number;
  acts: LayerActs[];
  /** The final hidden state (input of the final norm), its norm and rstd, logits and per-row losses. */
  xF: number; nF: number; rstdF: number; logits: number; losses: number;
  ids: number; targets: number;
  /** A [N, C] temporary (attention and FFN outputs before the residual add). */
  tmp: number;
  /** Backward temporaries. */
  dX: number; dTmp: number; dq: number; dk: number; dv: number; dz: number; dG: number; dU: number; dM: number; dLam: number; dCoef: number;
  /** DIFF V1: the per-head norm gain's gradient of one layer, before it is accumulated. */
  dGain: number;
  kCache: number[]; vCache: number[];
  cos: number; sin: number;
  desc: number[];
  gemmScratch: number; attnScratch: number;
}

/**
 * Lays out every buffer for `config` under `limits` after the attention descriptors already in
 * `plan` (see `planDescriptors`); `attentionScratch` is the largest scratch any attention call of
 * these limits needs, which the kernels report from a written descriptor.
 */
export function planModelMemory(wasm: WasmModule, plan: MemoryPlan, config: ModelConfig, limits: EngineLimits, attentionScratch: number): ModelMemory {
  const { dModel: C, ffnHidden: F, vocabSize: V, numLayers: L } = config;
  const { batch: B, maxContext: T, training } = limits;
  const N = B * T;
  const attn = attentionOf(config);
  const Qw = attn.Hq * attn.d, Kw = attn.Hk * attn.d, Vw = attn.Hv * attn.dv, Ow = attn.H * attn.dv, H = attn.H;
  const f32 = (name: string, n: number, group: string): number => plan.add(name, 4 * n, group).offset;

  const paramIndex = new Map<string, { offset: number; size: number }>();
  let numParams = 0;
  for (const [name, shape] of parameterShapes(config)) {
    const size = shape.reduce((p, d) => p * d, 1);
    paramIndex.set(name, { offset: numParams, size });
    numParams += size;
  }
  const params = f32('params', numParams, 'weights');
  const grads = training ? f32('grads', numParams, 'gradients') : 0;
  const adamM = training ? f32('adam.m', numParams, 'optimizer') : 0;
  const adamV = training ? f32('adam.v', numParams, 'optimizer') : 0;

  const slots = perLayerActivations(limits) ? L : 1;
  const acts: LayerActs[] = Array.from({ length: slots }, (_, s) => {
    const a = (n: string, size: number): number => f32(`act${s}.${n}`, size, 'activations');
    return {
      x: a('x', N * C), n1: a('n1', N * C), rstd1: a('rstd1', N), q: a('q', N * Qw), k: a('k', N * Kw), v: a('v', N * Vw),
      z: a('z', N * Ow), lse: a('lse', N * attn.Hq), rstdA: attn.kind === 'diff_v1' ? a('rstdA', N * H) : 0,
      lam: attn.kind === 'diff_v2' ? a('lam', N * H) : 0, sig: attn.kind === 'diff_v2' ? a('sig', N * H) : 0,
      h: a('h', N * C), n2: a('n2', N * C), rstd2: a('rstd2', N), g: a('g', N * F), u: a('u', N * F), m: a('m', N * F),
    };
  });
  const mem: ModelMemory = {
    plan, attn, paramIndex, numParams, params, grads, adamM, adamV, acts,
    xF: f32('xF', N * C, 'activations'), nF: f32('nF', N * C, 'activations'), rstdF: f32('rstdF', N, 'activations'),
    logits: f32('logits', N * V, 'activations'), losses: f32('losses', N, 'activations'),
    ids: f32('ids', N, 'activations'), targets: f32('targets', N, 'activations'), tmp: f32('tmp', N * C, 'activations'),
    dX: 0, dTmp: 0, dq: 0, dk: 0, dv: 0, dz: 0, dG: 0, dU: 0, dM: 0, dLam: 0, dCoef: 0, dGain: 0,
    kCache: [], vCache: [], cos: 0, sin: 0, desc: Array.from({ length: L }, (_, l) => plan.get(`desc${l}`).offset), gemmScratch: 0,
    attnScratch: plan.add('attention.scratch', attentionScratch, 'scratch').offset,
  };
  if (training) {
    const g = (n: string, size: number): number => f32(n, size, 'gradients');
    Object.assign(mem, {
      dX: g('dX', N * C), dTmp: g('dTmp', N * C), dq: g('dq', N * Qw), dk: g('dk', N * Kw), dv: g('dv', N * Vw), dz: g('dz', N * Ow),
      dG: g('dG', N * F), dU: g('dU', N * F), dM: g('dM', N * F), dLam: attn.kind === 'diff_v2' ? g('dLam', N * H) : 0,
      dCoef: g('dCoef', attn.kind === 'diff_v2' ? N * H : 1), dGain: attn.kind === 'diff_v1' ? g('dGain', attn.dv) : 0,
    });
  } else {
    for (let l = 0; l < L; l++) {
      mem.kCache.push(f32(`kCache${l}`, N * Kw, 'cache'));
      mem.vCache.push(f32(`vCache${l}`, N * Vw, 'cache'));
    }
  }
  const half = config.rotaryDim / 2;
  mem.cos = f32('rope.cos', T * half, 'activations');
  mem.sin = f32('rope.sin', T * half, 'activations');
  // One GEMM scratch for every product: its size is monotone in M, N and K, and backward's weight
  // gradients reduce over K = N rows.
  const widest = Math.max(N, C, F, V, Qw, Kw, Vw, Ow);
  mem.gemmScratch = plan.add('gemm.scratch', wasm.exports.gemm_scratch_bytes(widest, widest, widest), 'scratch').offset;
  return mem;
}

/**
 * Starts a plan with one attention descriptor per layer: the kernels size their scratch from a
 * written descriptor, so these come first and the rest of the plan follows once that is known.
 */
export function planDescriptors(base: number, config: ModelConfig): { plan: MemoryPlan; attn: AttentionLayout; desc: number[] } {
  const attn = attentionOf(config);
  const plan = new MemoryPlan(base);
  const desc = Array.from({ length: config.numLayers }, (_, l) => plan.add(`desc${l}`, descriptorBytes(attn), 'scratch').offset);
  return { plan, attn, desc };
}

/** The attention layout of a model's layers. */
export function attentionOf(config: ModelConfig): AttentionLayout {
  return attentionLayout({ kind: config.attention, numHeads: config.numHeads, numKvHeads: config.numKvHeads, headDim: config.headDim, pairing: config.pairing });
}
