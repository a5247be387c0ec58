/**
 * The intermediates of a module case on the engine, under the reference's canonical names (those
 * its modules trace, src/ref/nn): the engine's own float32 buffers where it keeps the tensor, and
 * otherwise a reconstruction from what the kernels saved, never a recomputation from the inputs:
 *
 * - the T × T softmax maps (`attn1`, `attn2`, `attn_probs`), which the fused kernels never store:
 *   rebuilt as their backward rebuilds them, P = exp(q·k/√d − lse), from the engine's q and k
 *   (after rotary) and its lse, so a wrong lse fails them;
 * - DIFF V1's per-head norm input and output (`pre_subln`, `post_subln`): the kernel's output
 *   z = (1 − λinit)·g ⊙ O·r divided back by its saved r, the gain and the factor. Where a gain
 *   channel is 0, z has lost O there, so `pre_subln` is not produced (and fails as not computed).
 */
import type { AttentionLayout } from '../engine/attention-desc.js';
import { mapsFromLse } from '../engine/layer/attention-maps.js';
import type { LayerRun } from '../engine/layer/layer-runner.js';
import type { LayerSpec } from '../engine/layer/layer-spec.js';
import type { F64Tensor } from '../io/golden.js';
import type { Results } from './golden-case.js';

/** An engine result (float32, or float64 computed on the host) as a float64 tensor of `shape`. */
export function f64Tensor(shape: number[], data: ArrayLike<number>): F64Tensor {
  return { shape, data: Float64Array.from(data) };
}

/**
 * Canonical intermediates of a run over B×T tokens: the attention's (prefixed `attn.` inside a
 * decoder layer) and the decoder layer's own. `gain`: DIFF V1's per-head norm gain [dv], if any.
 */
export function layerIntermediates(run: LayerRun, spec: LayerSpec, B: number, T: number, gain: ArrayLike<number> | null): Results {
  const L = run.layout;
  const buf = (name: string): Float32Array => run.buffers.get(name)!;
  const out: Results = new Map();
  const prefix = spec.decoder ? 'attn.' : '';
  const set = (name: string, t: F64Tensor): void => void out.set(prefix + name, t);

  set('q_rot', f64Tensor([B, T, L.Hq, L.d], buf('q')));
  set('k_rot', f64Tensor([B, T, L.Hk, L.d], buf('k')));
  set(`pre_${spec.outProj}`, f64Tensor([B, T, L.H * L.dv], buf('z')));
  const maps = f64Tensor([B, L.Hq, T, T], mapsFromLse(buf('q'), buf('k'), buf('lse'), L, B, T));
  if (L.M === 2) {
    const [first, second] = [0, 1].map((m) => everyOtherHead(maps, B, L.H, T, m));
    set('attn1', first);
    set('attn2', second);
  }
  if (L.kind !== 'diff_v1') set('attn_probs', maps);
  if (L.kind === 'diff_v2') {
    set('lambda_val', f64Tensor([B, T, L.H], buf('lam')));
    set('lambda_sigmoid', f64Tensor([B, T, L.H], buf('sig')));
    set('attn_heads', f64Tensor([B, T, L.Hq, L.d], buf('heads')));
  } else if (L.kind === 'baseline' && spec.outProj === 'o_proj') {
    // The V2 module without the difference: its heads' outputs are the kernel's output itself.
    set('attn_heads', f64Tensor([B, T, L.H, L.d], buf('z')));
  }
  if (L.kind === 'diff_v1') {
    const { lambda, lambdaInit } = run.scalars;
    set('lambda_full', f64Tensor([1], [Math.fround(lambda!)]));
    set('lambda_init', f64Tensor([1], [lambdaInit!]));
    for (const [name, t] of sublnTensors(buf('z'), buf('rstdA'), gain, Math.fround(1 - lambdaInit!), B, T, L.H, L.dv)) set(name, t);
  }
  if (spec.decoder) {
    const C = spec.dModel, F = spec.decoder.ffnHidden;
    const rows: Array<[string, string, number]> = [
      ['attn_norm_out', 'n1', C], ['attn_out', 'attnOut', C], ['h', 'h', C], ['ffn_norm_out', 'n2', C],
      ['ffn_gate_pre', 'g', F], ['ffn_up', 'u', F], ['ffn_hidden_act', 'm', F], ['ffn_out', 'ffnOut', C],
    ];
    for (const [name, b, width] of rows) out.set(name, f64Tensor([B, T, width], buf(b)));
  }
  return out;
}

// Maps of query heads m, m + 2, … of [B, 2H, T, T] → [B, H, T, T] (map 1 or 2 of each head).
function everyOtherHead(maps: F64Tensor, B: number, H: number, T: number, m: number): F64Tensor {
  const data = new Float64Array(B * H * T * T);
  const slab = T * T;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < H; i++) data.set(maps.data.subarray(((b * 2 * H) + 2 * i + m) * slab, ((b * 2 * H) + 2 * i + m + 1) * slab), (b * H + i) * slab);
  }
  return { shape: [B, H, T, T], data };
}

/**
 * DIFF V1's norm, head-major: post = z / s0 and pre = post / (g ⊙ r), s0 = 1 − λinit as the kernel
 * holds it (float32). z: [B, T, H, dv], rstd: [B, H, T], gain: [dv] or null (none)
 * → post_subln, pre_subln: [B, H, T, dv]
 */
function sublnTensors(z: Float32Array, rstd: Float32Array, gain: ArrayLike<number> | null, s0: number,
  B: number, T: number, H: number, dv: number): Array<[string, F64Tensor]> {
  const recoverable = gain === null || !Array.prototype.includes.call(gain, 0);
  const post = new Float64Array(B * H * T * dv);
  const pre = new Float64Array(recoverable ? post.length : 0);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const r = rstd[(b * H + h) * T + t];
        for (let c = 0; c < dv; c++) {
          const i = ((b * H + h) * T + t) * dv + c;
          post[i] = z[((b * T + t) * H + h) * dv + c] / s0;
          if (recoverable) pre[i] = post[i] / ((gain ? gain[c] : 1) * r);
        }
      }
    }
  }
  const shape = [B, H, T, dv];
  return [['post_subln', { shape, data: post }], ...(recoverable ? [['pre_subln', { shape: [...shape], data: pre }] as [string, F64Tensor]] : [])];
}
