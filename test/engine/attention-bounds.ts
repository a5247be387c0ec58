/**
 * Element-wise float32 error bounds of the fused attention kernels, derived from the rounding
 * model of tolerance.ts (every f32 operation exact × (1 + δ), |δ| ≤ u = 2⁻²⁴; a length-n dot
 * product is off by at most γₙ·Σ|xᵢ||yᵢ|, any summation order) and propagated to first order
 * through the softmax, the map combination and the V1 norm. tolerance.ts covers one reduction;
 * attention chains several, with exponentials and a normalisation between them, so the bounds
 * are composed here stage by stage, evaluated in float64 on the case's own values:
 *
 * Forward, one query row t of map m (h = M·i + m), keys u ≤ t, base-2 scores s₂ = q·k·log₂e/√d:
 *   scores   e_s(u) = γ_{d+4} · Σ_c |q_c||k_uc| · log₂e/√d       (q × the f32 scale, the dot product;
 *                                                                   the scale's own rounding is 3u)
 *   maximum  E_s = max_u e_s(u)                                     (an exact max of computed scores)
 *   exp      ρ_e(u) = ln2·(e_s(u) + E_s + u·|s₂(u) − max|) + 2u     (2^x is within 1.7u, see the
 *                                                                   polynomial in assembly/vmath.ts)
 *   sum      ρ_l = γ_{t+1} + max_u ρ_e(u)                           (positive terms)
 *   P        err_P(u) = Σ_m |c_m| A_m(u)·(ρ_e,m(u) + ρ_l,m + 3u) + 2⁻¹²⁶   (weight c/l, 2 products, 1 sum;
 *                                                                   2^x is clamped at 2⁻¹²⁶)
 *   O        err_O(c) = γ_{2t+3} · Σ_u Σ_m |c_m| A_m(u)|V_um,c| + Σ_u err_P(u)|V_u,c|
 *   V1 norm  ρ_r = Σ_c |O_c| err_O(c) / (n·ms) + 2u,  ms = mean O² + ε   (δr/r = −½ δms/ms)
 *            err_y(c) = s0·|g_c|·r·(err_O(c) + |O_c|·ρ_r) + 5u·|y_c|      (r, s0, ×s0, ×g, ×O)
 *   lse      err_lse = ln2·E_s + ρ_l + 3u·(|lse| + ln2·|max| + ln2·|log₂ l|)
 *
 * Backward, the maps recomputed as A = 2^(s₂ − lse₂) with lse₂ = f32(lse·log₂e):
 *   ρ_A(u) = ln2·(e_s(u) + log₂e·err_lse + u·|lse₂| + u·|s₂(u) − lse₂|) + 2u
 *   P, O as above with ρ_A for ρ_e + ρ_l; V1 dO from a = s0·gy⊙g, dot = Σ a_c O_c:
 *   err_dO(c) = r|a_c|(ρ_r + 2u) + (r³/n)·(|O_c|(3ρ_r|dot| + err_dot) + |dot|·err_O(c)) + u|dO_c|,
 *            err_dot = Σ_c |a_c| err_O(c) + u·Σ_c |a_c O_c|;  otherwise dO = dy exactly
 *   G        err_G(u) = γ_dv · Σ_c |dO_c||V_uc| + Σ_c err_dO(c)|V_uc|
 *   R        err_R = γ_{t+1} · Σ_u |G_u| A_u + Σ_u A_u (err_G(u) + |G_u| ρ_A(u))
 *   dS       err_dS(u) = |c|/√d · A_u (ρ_A(u)|G_u − R| + err_G(u) + err_R) + 6u·|dS_u|
 *   dQ       err_dq(c) = γ_{t+1} · Σ_u |dS_u||K_uc| + Σ_u err_dS(u)|K_uc|
 *   dK, dV   Σ over (rows, heads) of the propagated terms + γ_{N+1} · Σ |terms|, N = Hq·T terms at most
 *   dλ, dσ   Σ err_R (+ u|dλ| for the final f32 store; the sum over rows is in f64)
 *   dgain    Σ s0|gy_c| r (err_O(c) + |O_c| ρ_r) + u·|dgain_c|
 *
 * First-order bounds drop O(u²) terms; every bound is doubled (SAFETY) to cover them and the
 * slack in counting roundings. A genuine indexing or formula error moves results by O(1) of
 * their size, far above these bounds (≈ 10⁻⁶ relative at the sizes tested).
 */
import { F32_UNIT_ROUNDOFF as u, gamma } from './tolerance.js';
import type { AttentionCase } from './attention-reference.js';

const SAFETY = 2;
const LOG2E = Math.LOG2E;
const LN2 = Math.LN2;
const TINY = 2 ** -126;

export interface AttentionBounds {
  out: Float64Array;
  lse: Float64Array;
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  dlambda: number;
  dsigma: Float64Array;
  dgain: Float64Array;
}

// One map of one row: the exact softmax and its error terms.
interface RowMap {
  A: Float64Array;
  s2: Float64Array;
  es: Float64Array;
  /** ρ_e + ρ_l (forward) per key. */
  rhoFwd: Float64Array;
  /** ρ_A (backward) per key. */
  rhoBwd: Float64Array;
  lse: number;
  errLse: number;
}

/** Bounds on |kernel − exact| for every output and gradient of a case (float64 evaluation). */
export function attentionBounds(c: AttentionCase): AttentionBounds {
  const { L, B, T } = c;
  const { H, M, Hq, Hk, Hv, d, dv } = L;
  const v1 = L.kind === 'diff_v1';
  const bd: AttentionBounds = {
    out: new Float64Array(B * T * H * dv), lse: new Float64Array(B * Hq * T), dq: new Float64Array(B * T * Hq * d),
    dk: new Float64Array(B * T * Hk * d), dv: new Float64Array(B * T * Hv * dv), dlambda: 0,
    dsigma: new Float64Array(B * T * H), dgain: new Float64Array(dv),
  };
  // Magnitudes Σ|terms| of the accumulated gradients, for their final γ term.
  const dkAbs = new Float64Array(bd.dk.length);
  const dvAbs = new Float64Array(bd.dv.length);
  const gammaAcc = gamma(Hq * T + 1);
  let dlambdaAbs = 0;
  const Q = (b: number, t: number, h: number, ch: number): number => c.q[((b * T + t) * Hq + h) * d + ch];
  const K = (b: number, t: number, kh: number, ch: number): number => c.k[((b * T + t) * Hk + kh) * d + ch];
  const V = (b: number, t: number, vh: number, ch: number): number => c.v[((b * T + t) * Hv + vh) * dv + ch];
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < H; i++) {
      for (let t = 0; t < T; t++) {
        const n = t + 1;
        const coef = [1, v1 ? -c.lambda : L.kind === 'diff_v2' ? -c.sigma![(b * T + t) * H + i] : 0].slice(0, M);
        const maps: RowMap[] = [];
        for (let m = 0; m < M; m++) {
          const h = M * i + m;
          const rm = rowMap(c, b, t, h, Q, K);
          bd.lse[(b * Hq + h) * T + t] = SAFETY * rm.errLse;
          maps.push(rm);
        }
        // O and its error (forward and backward flavours), per channel.
        const O = new Float64Array(dv);
        const errOf = new Float64Array(dv);
        const errOb = new Float64Array(dv);
        for (let ch = 0; ch < dv; ch++) {
          let abs = 0, ef = 0, eb = 0, o = 0;
          for (let u0 = 0; u0 < n; u0++) {
            for (let m = 0; m < M; m++) {
              const x = V(b, u0, L.vHead[M * i + m], ch);
              const a = maps[m].A[u0] * Math.abs(coef[m]);
              o += coef[m] * maps[m].A[u0] * x;
              abs += a * Math.abs(x);
              ef += (a * (maps[m].rhoFwd[u0] + 3 * u) + TINY) * Math.abs(x);
              eb += (a * (maps[m].rhoBwd[u0] + 3 * u) + TINY) * Math.abs(x);
            }
          }
          O[ch] = o;
          errOf[ch] = gamma(2 * n + 1) * abs + ef;
          errOb[ch] = gamma(2 * n + 1) * abs + eb;
        }
        // The epilogue forward and dO.
        const gy = Float64Array.from({ length: dv }, (_, ch) => c.dy[(b * T + t) * H * dv + i * dv + ch]);
        const dO = new Float64Array(dv);
        const errDO = new Float64Array(dv);
        const outAt = (b * T + t) * H * dv + i * dv;
        if (v1) {
          const s0 = 1 - c.lambdaInit;
          const g = (ch: number): number => (c.gain === null ? 1 : c.gain[ch]);
          const ms = O.reduce((s, x) => s + x * x, 0) / dv + c.eps;
          const r = 1 / Math.sqrt(ms);
          const rhoR = (rel: Float64Array): number => O.reduce((s, x, ch) => s + Math.abs(x) * rel[ch], 0) / (dv * ms) + 2 * u;
          const rhoRf = rhoR(errOf);
          for (let ch = 0; ch < dv; ch++) {
            const y = s0 * g(ch) * O[ch] * r;
            bd.out[outAt + ch] = SAFETY * (s0 * Math.abs(g(ch)) * r * (errOf[ch] + Math.abs(O[ch]) * rhoRf) + 5 * u * Math.abs(y));
          }
          // Backward: r comes from the forward (ρ_r of the forward), O is recomputed (errOb).
          const a = Float64Array.from({ length: dv }, (_, ch) => s0 * gy[ch] * g(ch));
          const dot = a.reduce((s, x, ch) => s + x * O[ch], 0);
          const errDot = a.reduce((s, x, ch) => s + Math.abs(x) * errOb[ch] + u * Math.abs(x * O[ch]), 0);
          const r3n = (r * r * r) / dv;
          for (let ch = 0; ch < dv; ch++) {
            dO[ch] = r * a[ch] - r3n * O[ch] * dot;
            errDO[ch] = r * Math.abs(a[ch]) * (rhoRf + 2 * u) + r3n * (Math.abs(O[ch]) * (3 * rhoRf * Math.abs(dot) + errDot)
              + Math.abs(dot) * errOb[ch]) + u * Math.abs(dO[ch]);
            bd.dgain[ch] += s0 * Math.abs(gy[ch]) * r * (errOb[ch] + Math.abs(O[ch]) * rhoRf) + u * Math.abs(s0 * gy[ch] * O[ch] * r);
          }
        } else {
          for (let ch = 0; ch < dv; ch++) {
            bd.out[outAt + ch] = SAFETY * errOf[ch];
            dO[ch] = gy[ch];
          }
        }
        // G, R, dS per map; dQ, and the terms of dK, dV.
        for (let m = 0; m < M; m++) {
          const h = M * i + m;
          const vh = L.vHead[h];
          const kh = L.kHead[h];
          const { A, rhoBwd } = maps[m];
          const G = new Float64Array(n);
          const errG = new Float64Array(n);
          for (let u0 = 0; u0 < n; u0++) {
            let g = 0, abs = 0, prop = 0;
            for (let ch = 0; ch < dv; ch++) {
              const x = V(b, u0, vh, ch);
              g += dO[ch] * x;
              abs += Math.abs(dO[ch] * x);
              prop += errDO[ch] * Math.abs(x);
            }
            G[u0] = g;
            errG[u0] = gamma(dv) * abs + prop;
          }
          let R = 0, absR = 0, propR = 0;
          for (let u0 = 0; u0 < n; u0++) {
            R += G[u0] * A[u0];
            absR += Math.abs(G[u0]) * A[u0];
            propR += A[u0] * (errG[u0] + Math.abs(G[u0]) * rhoBwd[u0]);
          }
          const errR = gamma(n) * absR + propR;
          if (m === 1) {
            if (L.kind === 'diff_v2') bd.dsigma[(b * T + t) * H + i] = SAFETY * errR;
            bd.dlambda += errR;
            dlambdaAbs += Math.abs(R);
          }
          const cs = Math.abs(coef[m]) / Math.sqrt(d);
          const dS = Float64Array.from(A, (a, u0) => coef[m] * a * (G[u0] - R) / Math.sqrt(d));
          const errDS = Float64Array.from(A, (a, u0) =>
            cs * a * (rhoBwd[u0] * Math.abs(G[u0] - R) + errG[u0] + errR) + 6 * u * Math.abs(dS[u0]));
          for (let ch = 0; ch < d; ch++) {
            let abs = 0, prop = 0;
            for (let u0 = 0; u0 < n; u0++) {
              abs += Math.abs(dS[u0] * K(b, u0, kh, ch));
              prop += errDS[u0] * Math.abs(K(b, u0, kh, ch));
              const at = ((b * T + u0) * Hk + kh) * d + ch;
              bd.dk[at] += errDS[u0] * Math.abs(Q(b, t, h, ch));
              dkAbs[at] += Math.abs(dS[u0] * Q(b, t, h, ch));
            }
            bd.dq[((b * T + t) * Hq + h) * d + ch] = SAFETY * (gamma(n) * abs + prop);
          }
          for (let u0 = 0; u0 < n; u0++) {
            const p = Math.abs(coef[m]) * A[u0];
            const errP = p * (rhoBwd[u0] + 3 * u) + TINY;
            for (let ch = 0; ch < dv; ch++) {
              const at = ((b * T + u0) * Hv + vh) * dv + ch;
              bd.dv[at] += errP * Math.abs(dO[ch]) + p * errDO[ch];
              dvAbs[at] += p * Math.abs(dO[ch]);
            }
          }
        }
      }
    }
  }
  for (let x = 0; x < bd.dk.length; x++) bd.dk[x] = SAFETY * (bd.dk[x] + gammaAcc * dkAbs[x]);
  for (let x = 0; x < bd.dv.length; x++) bd.dv[x] = SAFETY * (bd.dv[x] + gammaAcc * dvAbs[x]);
  bd.dlambda = SAFETY * (bd.dlambda + 2 * u * dlambdaAbs);
  for (let ch = 0; ch < dv; ch++) bd.dgain[ch] *= SAFETY;
  return bd;
}

// Scores, exact softmax and the per-key error terms of map h at row t (keys u ≤ t).
function rowMap(c: AttentionCase, b: number, t: number, h: number,
  Q: (b: number, t: number, h: number, ch: number) => number, K: (b: number, t: number, kh: number, ch: number) => number): RowMap {
  const { d } = c.L;
  const kh = c.L.kHead[h];
  const n = t + 1;
  const sc = LOG2E / Math.sqrt(d);
  const s2 = new Float64Array(n);
  const es = new Float64Array(n);
  for (let u0 = 0; u0 < n; u0++) {
    let s = 0, abs = 0;
    for (let ch = 0; ch < d; ch++) {
      s += Q(b, t, h, ch) * K(b, u0, kh, ch);
      abs += Math.abs(Q(b, t, h, ch) * K(b, u0, kh, ch));
    }
    s2[u0] = s * sc;
    es[u0] = gamma(d + 4) * abs * sc;
  }
  const mx = Math.max(...s2);
  const Es = Math.max(...es);
  const e = s2.map((x) => 2 ** (x - mx));
  const l = e.reduce((a, x) => a + x, 0);
  const rhoE = s2.map((x, u0) => LN2 * (es[u0] + Es + u * Math.abs(x - mx)) + 2 * u);
  const rhoL = gamma(n) + Math.max(...rhoE);
  const lse2 = mx + Math.log2(l);
  const lse = lse2 * LN2;
  const errLse = LN2 * Es + rhoL + 3 * u * (Math.abs(lse) + LN2 * Math.abs(mx) + LN2 * Math.abs(Math.log2(l)));
  const rhoBwd = s2.map((x, u0) => LN2 * (es[u0] + LOG2E * errLse + u * Math.abs(lse2) + u * Math.abs(x - lse2)) + 2 * u);
  return { A: e.map((x) => x / l), s2, es, rhoFwd: rhoE.map((r) => r + rhoL), rhoBwd, lse, errLse };
}
