/**
 * The kinds built on ONE grouped-query causal attention: `baseline` (official
 * `MultiheadAttention`, README §5.4) and `diff_v2` / `baseline_v2` (official
 * `MultiheadFlashDiffV2` with `use_diff_v2` true / false, README §5.3).
 */
import type { CaseConfig } from './config.js';
import { applyMap, causalMap, linear, project, rotate, sigmoid, type RopeTables } from './primitives.js';
import { fromFn, matrixRows, param, splitHeads, tokens, type ForwardResult, type Params, type Tensor } from './tensor.js';

/** The kv head of each of nq query heads: h // (nq / Hkv) (the flash-attn GQA rule, §1 item 2). */
export function kvHeadMap(nq: number, Hkv: number): number[] {
  return Array.from({ length: nq }, (_, h) => Math.floor(h / (nq / Hkv)));
}

/** Per batch b, position t, query head h: q/k after rotary, the maps, and a_h[b][h][t] ∈ ℝ^d. */
interface GqaAttention {
  qRot: Float64Array[][][];
  kRot: Float64Array[][][];
  probs: Float64Array[][][]; // [b][h][t] → row over u
  heads: Float64Array[][][]; // [b][h][t] → d channels
  kv: number[];
}

function gqaAttention(c: CaseConfig, p: Params, x: Tensor, rope: RopeTables, nq: number): GqaAttention {
  const { numKvHeads: Hkv, headDim: d } = c;
  const [Wq, Wk, Wv] = ['q_proj', 'k_proj', 'v_proj'].map((n) => matrixRows(param(p, `${n}.weight`)));
  const kv = kvHeadMap(nq, Hkv);
  const xs = tokens(x);
  const qRot = xs.map((row) => row.map((xt, t) => splitHeads(linear(xt, Wq), nq, d).map((u) => rotate(u, t, rope, c.interleaved))));
  const kRot = xs.map((row) => row.map((xt, t) => splitHeads(linear(xt, Wk), Hkv, d).map((u) => rotate(u, t, rope, c.interleaved))));
  const v = xs.map((row) => row.map((xt) => splitHeads(linear(xt, Wv), Hkv, d)));
  const probs = qRot.map((_, b) => Array.from({ length: nq }, (_, h) =>
    causalMap(qRot[b].map((heads) => heads[h]), kRot[b].map((heads) => heads[kv[h]]))));
  const heads = probs.map((perHead, b) => perHead.map((map, h) => applyMap(map, v[b].map((vh) => vh[kv[h]]))));
  return { qRot, kRot, probs, heads, kv };
}

/** The intermediates both families name alike: q/k after rotary and the maps of every query head. */
function sharedIntermediates(c: CaseConfig, a: GqaAttention, nq: number): [string, Tensor][] {
  const { batch: B, seqLen: T, numKvHeads: Hkv, headDim: d } = c;
  return [
    ['q_rot', fromFn([B, T, nq, d], (b, t, h, ch) => a.qRot[b][t][h][ch])],
    ['k_rot', fromFn([B, T, Hkv, d], (b, t, h, ch) => a.kRot[b][t][h][ch])],
    ['attn_probs', fromFn([B, nq, T, T], (b, h, t, u) => a.probs[b][h][t][u])],
  ];
}

/** `baseline`: Z[b, t, h·d + c] = a_h, y = Z Wout^T. */
export function baselineForward(c: CaseConfig, p: Params, x: Tensor, rope: RopeTables): ForwardResult {
  const { batch: B, seqLen: T, embedDim: E, numHeads: H, headDim: d } = c;
  const a = gqaAttention(c, p, x, rope, H);
  const Z = fromFn([B, T, H * d], (b, t, ch) => a.heads[b][Math.floor(ch / d)][t][ch % d]);
  return {
    y: project(Z, param(p, 'out_proj.weight')),
    intermediates: new Map([...sharedIntermediates(c, a, H), ['pre_out_proj', Z]]),
    maps: new Map([['map.kv_head_for_q_head', a.kv]]),
  };
}

/**
 * `diff_v2` (nq = 2H): λ = x Wλ^T per token and head, o_i = a_{2i} − sigmoid(λ_i)·a_{2i+1};
 * `baseline_v2` (nq = H): o_h = a_h. Then Z[b, t, i·d + c] = o_i and y = Z Wo^T. No norm, no λ_init.
 */
export function diffV2Forward(c: CaseConfig, p: Params, x: Tensor, rope: RopeTables): ForwardResult {
  const { batch: B, seqLen: T, embedDim: D, numHeads: H, headDim: d } = c;
  const useDiff = c.kind === 'diff_v2';
  const nq = useDiff ? 2 * H : H;
  const a = gqaAttention(c, p, x, rope, nq);
  const intermediates = new Map(sharedIntermediates(c, a, nq));
  intermediates.set('attn_heads', fromFn([B, T, nq, d], (b, t, h, ch) => a.heads[b][h][t][ch]));

  let output = (b: number, i: number, t: number, ch: number): number => a.heads[b][i][t][ch];
  if (useDiff) {
    const Wl = matrixRows(param(p, 'lambda_proj.weight'));
    const lambdaVal = tokens(x).map((row) => row.map((xt) => linear(xt, Wl))); // [b][t][i], from the module input
    const lambdaSig = lambdaVal.map((row) => row.map((l) => l.map(sigmoid)));
    output = (b, i, t, ch) => a.heads[b][2 * i][t][ch] - lambdaSig[b][t][i] * a.heads[b][2 * i + 1][t][ch];
    intermediates.set('attn1', fromFn([B, H, T, T], (b, i, t, u) => a.probs[b][2 * i][t][u]));
    intermediates.set('attn2', fromFn([B, H, T, T], (b, i, t, u) => a.probs[b][2 * i + 1][t][u]));
    intermediates.set('lambda_val', fromFn([B, T, H], (b, t, i) => lambdaVal[b][t][i]));
    intermediates.set('lambda_sigmoid', fromFn([B, T, H], (b, t, i) => lambdaSig[b][t][i]));
  }
  const Z = fromFn([B, T, H * d], (b, t, ch) => output(b, Math.floor(ch / d), t, ch % d));
  intermediates.set('pre_o_proj', Z);
  return { y: project(Z, param(p, 'o_proj.weight')), intermediates, maps: new Map([['map.kv_head_for_q_head', a.kv]]) };
}
