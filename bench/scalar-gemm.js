/**
 * The baseline the GEMM table compares against: plain JavaScript triple loops over Float32Arrays,
 * one per layout, each in the loop order that walks memory with unit stride in the inner loop.
 */

/**
 * C = op(A)·op(B) in scalar JavaScript. 'nn': A [M, K], B [K, N]; 'nt': A [M, K], B [N, K];
 * 'tn': A [K, M], B [K, N] → C: [M, N].
 * @param {'nn' | 'nt' | 'tn'} layout
 * @param {Float32Array} A @param {Float32Array} B @param {Float32Array} C
 * @param {number} M @param {number} N @param {number} K
 */
export function scalarGemm(layout, A, B, C, M, N, K) {
  C.fill(0);
  if (layout === 'nt') {
    // Row of A · row of B: a dot product per element.
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k];
        C[i * N + j] = s;
      }
    }
    return;
  }
  // i-k-j order: broadcast one element of op(A) along a row of B and C.
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const a = layout === 'tn' ? A[k * M + i] : A[i * K + k];
      const row = k * N;
      const out = i * N;
      for (let j = 0; j < N; j++) C[out + j] += a * B[row + j];
    }
  }
}
