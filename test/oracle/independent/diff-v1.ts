/**
 * DIFF V1, `diff_v1` (official naive `MultiheadDiffAttn`) and `diff_v1_flash1` (official
 * `MultiheadFlashDiff1`), re-derived step by step from README §5.2. The two kinds differ only in
 * κ, the key head each of the 2H query heads reads.
 */
import { lambdaInitOf, type CaseConfig } from './config.js';
import { applyMap, causalMap, dot, linear, project, rmsNorm, rotate, type RopeTables } from './primitives.js';
import { fromFn, matrixRows, param, splitHeads, tokens, type ForwardResult, type Params, type Tensor } from './tensor.js';

/** Which official module's GQA pairing: the naive file's `repeat_kv`, or the flash files' per-group split. */
export type V1Pairing = 'naive' | 'flash';

/**
 * κ(h) for the 2H query heads (§5.2 step 4, §8.2), n_rep = H / Hkv:
 *   naive: κ(h) = h // n_rep                       (repeat_kv over the 2·Hkv interleaved k heads)
 *   flash: κ(h) = 2g + (h mod 2), g = (h // 2) // n_rep  (K1 of group g is k head 2g, K2 is 2g+1)
 */
export function keyHeadMap(H: number, Hkv: number, pairing: V1Pairing): number[] {
  const nRep = H / Hkv;
  return Array.from({ length: 2 * H }, (_, h) => {
    if (pairing === 'naive') return Math.floor(h / nRep);
    const group = Math.floor(Math.floor(h / 2) / nRep);
    return 2 * group + (h % 2);
  });
}

/** The 2d-wide value head of differential head i: i // n_rep, in both pairings (§5.2 step 7). */
export function valueHeadMap(H: number, Hkv: number): number[] {
  return Array.from({ length: H }, (_, i) => Math.floor(i / (H / Hkv)));
}

/** λ = exp(λq1·λk1) − exp(λq2·λk2) + λ_init: one scalar for the layer (§5.2 step 6). */
export function lambdaFull(p: Params, prefix: string, lambdaInit: number): number {
  const v = (n: string): Float64Array => param(p, prefix + n).data;
  return Math.exp(dot(v('lambda_q1'), v('lambda_k1'))) - Math.exp(dot(v('lambda_q2'), v('lambda_k2'))) + lambdaInit;
}

/**
 * The V1 forward. `prefix` is the parameter prefix (`attn.` inside the decoder layer). Returns y
 * [B, T, E] and every intermediate of §5.2 under its unprefixed name.
 */
export function diffV1Forward(c: CaseConfig, p: Params, x: Tensor, rope: RopeTables, pairing: V1Pairing, prefix = ''): ForwardResult {
  const { batch: B, seqLen: T, embedDim: E, numHeads: H, numKvHeads: Hkv, headDim: d } = c;
  const W = (n: string): Float64Array[] => matrixRows(param(p, `${prefix}${n}.weight`));
  const [Wq, Wk, Wv] = [W('q_proj'), W('k_proj'), W('v_proj')];
  const kappa = keyHeadMap(H, Hkv, pairing);
  const vHead = valueHeadMap(H, Hkv);
  const lambdaInit = lambdaInitOf(c.depth);
  const lambda = lambdaFull(p, prefix, lambdaInit);
  const gain = param(p, `${prefix}subln.weight`).data;
  const xs = tokens(x);

  // Steps 1–2, per batch b and position t: project, view as heads (q: 2H heads of d, k: 2Hkv
  // heads of d, v: Hkv heads of 2d), rotate q and k heads.
  const qRot = xs.map((row) => row.map((xt, t) => splitHeads(linear(xt, Wq), 2 * H, d).map((u) => rotate(u, t, rope, c.interleaved))));
  const kRot = xs.map((row) => row.map((xt, t) => splitHeads(linear(xt, Wk), 2 * Hkv, d).map((u) => rotate(u, t, rope, c.interleaved))));
  const v = xs.map((row) => row.map((xt) => splitHeads(linear(xt, Wv), Hkv, 2 * d)));

  // Per batch and differential head i: maps of q heads 2i and 2i+1 (steps 3–5), the differential
  // combination with λ (step 7), the per-head norm (step 8).
  const attn1: Float64Array[][][] = [];
  const attn2: Float64Array[][][] = [];
  const preSubln: Float64Array[][][] = [];
  const postSubln: Float64Array[][][] = [];
  for (let b = 0; b < B; b++) {
    const qHead = (h: number): Float64Array[] => qRot[b].map((heads) => heads[h]);
    const kHead = (h: number): Float64Array[] => kRot[b].map((heads) => heads[h]);
    attn1.push([]); attn2.push([]); preSubln.push([]); postSubln.push([]);
    for (let i = 0; i < H; i++) {
      const a1 = causalMap(qHead(2 * i), kHead(kappa[2 * i]));
      const a2 = causalMap(qHead(2 * i + 1), kHead(kappa[2 * i + 1]));
      const diffMap = a1.map((row, t) => row.map((w, u) => w - lambda * a2[t][u]));
      const o = applyMap(diffMap, v[b].map((heads) => heads[vHead[i]]));
      attn1[b].push(a1); attn2[b].push(a2); preSubln[b].push(o);
      postSubln[b].push(o.map((ot) => rmsNorm(ot, gain, c.sublnEps)));
    }
  }

  // Steps 9–10: the constant (1 − λ_init), head-major concatenation Z[b, t, i·2d + c], out_proj.
  const Z = fromFn([B, T, E], (b, t, ch) => (1 - lambdaInit) * postSubln[b][Math.floor(ch / (2 * d))][t][ch % (2 * d)]);
  const y = project(Z, param(p, `${prefix}out_proj.weight`));

  return {
    y,
    intermediates: new Map([
      ['q_rot', fromFn([B, T, 2 * H, d], (b, t, h, ch) => qRot[b][t][h][ch])],
      ['k_rot', fromFn([B, T, 2 * Hkv, d], (b, t, h, ch) => kRot[b][t][h][ch])],
      ['attn1', fromFn([B, H, T, T], (b, i, t, u) => attn1[b][i][t][u])],
      ['attn2', fromFn([B, H, T, T], (b, i, t, u) => attn2[b][i][t][u])],
      ['lambda_full', fromFn([1], () => lambda)],
      ['lambda_init', fromFn([1], () => lambdaInit)],
      ['pre_subln', fromFn([B, H, T, 2 * d], (b, i, t, ch) => preSubln[b][i][t][ch])],
      ['post_subln', fromFn([B, H, T, 2 * d], (b, i, t, ch) => postSubln[b][i][t][ch])],
      ['pre_out_proj', Z],
    ]),
    maps: new Map([['map.k_head_for_q_head', kappa], ['map.v_head_for_diff_head', vHead]]),
  };
}
