/**
 * The benchmark's baseline: causal attention as a plain scalar JavaScript loop over Float32Arrays
 * (JS arithmetic, f32 storage), materialising one score row per query and map. It computes what
 * the fused kernel computes for DIFF V1 (two maps, combined, one P·V with the 2d-wide values, the
 * per-head RMSNorm and × (1 − λinit)) and for the baseline (one map per head).
 */

/**
 * @param {{ kind: 'baseline' | 'diff_v1', H: number, M: number, Hq: number, Hk: number, Hv: number,
 *   d: number, dv: number, kHead: Int32Array, vHead: Int32Array }} L the layer layout (attention-desc)
 * @param {number} T sequence length (B = 1)
 * @param {Float32Array} q [T, Hq·d]
 * @param {Float32Array} k [T, Hk·d]
 * @param {Float32Array} v [T, Hv·dv]
 * @param {{ lambda: number, outScale: number, eps: number }} s V1 scalars
 * @param {Float32Array} out [T, H·dv]
 */
export function scalarAttention(L, T, q, k, v, s, out) {
  const { H, M, Hq, Hk, Hv, d, dv } = L;
  const scale = 1 / Math.sqrt(d);
  const rows = Array.from({ length: M }, () => new Float32Array(T));
  const p = new Float32Array(T);
  const o = new Float32Array(dv);
  for (let i = 0; i < H; i++) {
    for (let t = 0; t < T; t++) {
      p.fill(0, 0, t + 1);
      for (let m = 0; m < M; m++) {
        const h = M * i + m;
        const row = rows[m];
        const qo = t * Hq * d + h * d;
        let max = -Infinity;
        for (let u = 0; u <= t; u++) {
          const ko = u * Hk * d + L.kHead[h] * d;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[qo + c] * k[ko + c];
          row[u] = dot * scale;
          if (row[u] > max) max = row[u];
        }
        let sum = 0;
        for (let u = 0; u <= t; u++) sum += row[u] = Math.exp(row[u] - max);
        const w = (m === 0 ? 1 : -s.lambda) / sum;
        for (let u = 0; u <= t; u++) p[u] += w * row[u];
      }
      o.fill(0);
      for (let u = 0; u <= t; u++) {
        const vo = u * Hv * dv + L.vHead[M * i] * dv;
        for (let c = 0; c < dv; c++) o[c] += p[u] * v[vo + c];
      }
      const yo = t * H * dv + i * dv;
      let r = 1;
      if (L.kind === 'diff_v1') {
        let ss = 0;
        for (let c = 0; c < dv; c++) ss += o[c] * o[c];
        r = s.outScale / Math.sqrt(ss / dv + s.eps);
      }
      for (let c = 0; c < dv; c++) out[yo + c] = o[c] * r;
    }
  }
}
