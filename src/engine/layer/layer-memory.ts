/**
 * The planned memory of one layer run, forward and backward over B×T tokens, laid out once like
 * `planModelMemory`: parameters and gradients, the activations the backward reads (an
 * EngineModel's `LayerActs`, plus the outputs a model keeps only transiently), the backward
 * temporaries under the model's names, the caller's rotary tables, and the kernels' scratch.
 *
 * Sizes: N = B·T rows, C the model width, F the FFN width, and the attention's q, k, v and output
 * widths Hq·d, Hk·d, Hv·dv, H·dv (attention-desc.ts).
 */
import type { AttentionLayout } from '../attention-desc.js';
import type { LayerActs, ModelMemory } from '../model/memory.js';
import type { MemoryPlan } from '../plan.js';
import type { WasmModule } from '../wasm.js';
import type { LayerSpec } from './layer-spec.js';

/** The backward temporaries, named as in an EngineModel's plan (0 when the layer has no use for one). */
export type LayerTemps = Pick<ModelMemory, 'dX' | 'dTmp' | 'dq' | 'dk' | 'dv' | 'dz' | 'dG' | 'dU' | 'dM' | 'dLam' | 'dCoef' | 'dGain'>;

export interface LayerMemory {
  /** Parameter name → its float32 values (`size` floats). */
  params: Map<string, { ptr: number; size: number }>;
  /** Parameter name → its gradient (same size). */
  grads: Map<string, number>;
  /**
   * Forward activations. `n1` is the attention's input: for a bare attention module (no pre-norm)
   * it is `x` itself. Buffers the layer does not have are 0.
   */
  acts: LayerActs;
  /** The attention block's output z Woᵀ: [N, C] (for a bare attention module, the output y). */
  attnOut: number;
  /** Decoder: the FFN's output m W2ᵀ, [N, C], and the layer's output y = h + ffnOut; else 0 and attnOut. */
  ffnOut: number;
  y: number;
  /** DIFF V2: each query head's own softmax(q kᵀ/√d) v, [N, Hq·d]; else 0. */
  heads: number;
  temps: LayerTemps;
  /** Every forward buffer by its plan name (`x`, `q`, …, `attnOut`, `heads`), for reading results out. */
  forward: Map<string, { ptr: number; floats: number }>;
  /** Rotary tables [rows, rotaryHalf]. */
  cos: number;
  sin: number;
  gemmScratch: number;
  attnScratch: number;
}

/**
 * Lays out a run of `spec` over B×T tokens after whatever `plan` already holds (the attention
 * descriptors); `ropeRows` is the number of table rows (≥ T); `attnScratch` the largest scratch any
 * attention call of the run needs.
 */
export function planLayerMemory(wasm: WasmModule, plan: MemoryPlan, spec: LayerSpec, L: AttentionLayout,
  shapes: ReadonlyMap<string, number[]>, B: number, T: number, ropeRows: number, attnScratch: number): LayerMemory {
  const N = B * T, C = spec.dModel, F = spec.decoder?.ffnHidden ?? 0;
  const Qw = L.Hq * L.d, Kw = L.Hk * L.d, Vw = L.Hv * L.dv, Ow = L.H * L.dv;
  const f32 = (name: string, n: number, group: string): number => plan.add(name, 4 * n, group).offset;
  const v1 = L.kind === 'diff_v1', v2 = L.kind === 'diff_v2', dec = spec.decoder !== undefined;

  const params = new Map<string, { ptr: number; size: number }>();
  const grads = new Map<string, number>();
  for (const [name, shape] of shapes) {
    const size = shape.reduce((p, d) => p * d, 1);
    params.set(name, { ptr: f32(`param ${name}`, size, 'weights'), size });
  }
  for (const [name, { size }] of params) grads.set(name, f32(`grad ${name}`, size, 'gradients'));

  const forward = new Map<string, { ptr: number; floats: number }>();
  const act = (name: string, n: number, present = true): number => {
    if (!present) return 0;
    const ptr = f32(name, n, 'activations');
    forward.set(name, { ptr, floats: n });
    return ptr;
  };
  const x = act('x', N * C);
  const acts: LayerActs = {
    x, n1: dec ? act('n1', N * C) : x, rstd1: act('rstd1', N, dec),
    q: act('q', N * Qw), k: act('k', N * Kw), v: act('v', N * Vw), z: act('z', N * Ow), lse: act('lse', N * L.Hq),
    rstdA: act('rstdA', N * L.H, v1), lam: act('lam', N * L.H, v2), sig: act('sig', N * L.H, v2),
    h: act('h', N * C, dec), n2: act('n2', N * C, dec), rstd2: act('rstd2', N, dec),
    g: act('g', N * F, dec), u: act('u', N * F, dec), m: act('m', N * F, dec),
  };
  const attnOut = act('attnOut', N * C);
  const ffnOut = act('ffnOut', N * C, dec);
  const y = dec ? act('y', N * C) : attnOut;
  const heads = act('heads', N * Qw, v2);

  const grad = (name: string, n: number, present = true): number => (present ? f32(name, n, 'gradients') : 0);
  const temps: LayerTemps = {
    dX: grad('dX', N * C), dTmp: grad('dTmp', N * C), dq: grad('dq', N * Qw), dk: grad('dk', N * Kw), dv: grad('dv', N * Vw),
    dz: grad('dz', N * Ow), dG: grad('dG', N * F, dec), dU: grad('dU', N * F, dec), dM: grad('dM', N * F, dec),
    dLam: grad('dLam', N * L.H, v2), dCoef: grad('dCoef', v2 ? N * L.H : 1, L.kind !== 'baseline'),
    dGain: grad('dGain', L.dv, v1 && spec.v1!.sublnAffine),
  };
  const cos = f32('rope.cos', ropeRows * spec.rotaryHalf, 'activations');
  const sin = f32('rope.sin', ropeRows * spec.rotaryHalf, 'activations');
  // One GEMM scratch for every product of the run: the scratch size is monotone in M, N and K.
  const widest = Math.max(N, C, F, Qw, Kw, Vw, Ow);
  const gemmScratch = plan.add('gemm.scratch', wasm.exports.gemm_scratch_bytes(widest, widest, widest), 'scratch').offset;
  return {
    params, grads, acts, attnOut, ffnOut, y, heads, temps, forward, cos, sin, gemmScratch,
    attnScratch: plan.add('attention.scratch', attnScratch, 'scratch').offset,
  };
}
