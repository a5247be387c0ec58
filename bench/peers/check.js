// Checks that onnxruntime-web accepts every graph family that run.js times and that its outputs match
// a plain float64 JS computation on small, odd-sized inputs. run.js calls runChecks() before timing;
// on its own (`node check.js`) it exits non-zero on any mismatch.
import { pathToFileURL } from 'node:url';
import {
  attentionGraph,
  createSession,
  diffAttentionGraph,
  feed,
  gemmGraph,
  randomFloats,
} from './graphs.js';

// f32 arithmetic against an f64 reference over sums of at most a few hundred terms.
const TOLERANCE = 1e-4;

/** C[M, N] = A[M, K] · B[K, N], all row-major. */
function matmul(A, B, M, K, N) {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let p = 0; p < K; p++)
      for (let j = 0; j < N; j++) C[i * N + j] += A[i * K + p] * B[p * N + j];
  return C;
}

/** Row-wise causal softmax(q·kᵀ/√d) for one head: q, k are [T, d] slices; returns [T, T] (zeros above the diagonal). */
function causalProbabilities(q, k, T, d) {
  const P = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    let max = -Infinity;
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += q[i * d + c] * k[j * d + c];
      P[i * T + j] = s / Math.sqrt(d);
      max = Math.max(max, P[i * T + j]);
    }
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += P[i * T + j] = Math.exp(P[i * T + j] - max);
    for (let j = 0; j <= i; j++) P[i * T + j] /= sum;
  }
  return P;
}

/** Standard attention reference, layout [1, H, T, d] → [1, H, T, d]. */
function attentionReference(Q, K, V, H, T, d) {
  const out = new Float64Array(H * T * d);
  for (let h = 0; h < H; h++) {
    const head = (x) => x.subarray(h * T * d, (h + 1) * T * d);
    out.set(matmul(causalProbabilities(head(Q), head(K), T, d), head(V), T, T, d), h * T * d);
  }
  return out;
}

/** Differential attention reference, Q, K [1, H, 2, T, d], V [1, H, 1, T, 2d] → [1, H, 1, T, 2d]. */
function diffAttentionReference(Q, K, V, H, T, d, { lambda, lambdaInit, norm }) {
  const dv = 2 * d;
  const out = new Float64Array(H * T * dv);
  const map = (x, h, m) => x.subarray((2 * h + m) * T * d, (2 * h + m + 1) * T * d);
  for (let h = 0; h < H; h++) {
    const P1 = causalProbabilities(map(Q, h, 0), map(K, h, 0), T, d);
    const P2 = causalProbabilities(map(Q, h, 1), map(K, h, 1), T, d);
    const A = P1.map((p, i) => p - lambda * P2[i]);
    const O = matmul(A, V.subarray(h * T * dv, (h + 1) * T * dv), T, T, dv);
    for (let t = 0; t < T; t++) {
      const row = O.subarray(t * dv, (t + 1) * dv);
      const rms = Math.sqrt(row.reduce((s, x) => s + x * x, 0) / dv + 1e-5);
      for (let c = 0; c < dv; c++) out[h * T * dv + t * dv + c] = (row[c] / rms) * norm[c] * (1 - lambdaInit);
    }
  }
  return out;
}

/** Runs one model once and returns the largest |ort − reference| / (1 + |reference|). */
async function maxError(model, feeds, reference) {
  const session = await createSession(model);
  const result = await session.run(feeds);
  const got = result[session.outputNames[0]].data;
  await session.release();
  if (got.length !== reference.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - reference[i]) / (1 + Math.abs(reference[i])));
  return worst;
}

const cases = [];

for (const [M, K, N] of [[7, 5, 3], [33, 17, 65]]) {
  const A = randomFloats(M * K, 1);
  const B = randomFloats(K * N, 2);
  cases.push({
    name: `MatMul ${M}x${K}·${K}x${N}, B constant`,
    run: () => maxError(gemmGraph(M, K, N, B), { A: feed(A, [M, K]) }, matmul(A, B, M, K, N)),
  });
  cases.push({
    name: `MatMul ${M}x${K}·${K}x${N}, B input`,
    run: () => maxError(gemmGraph(M, K, N, null), { A: feed(A, [M, K]), B: feed(B, [K, N]) }, matmul(A, B, M, K, N)),
  });
}

for (const [H, T, d] of [[2, 1, 4], [3, 7, 8], [2, 33, 16]]) {
  const [Q, K, V] = [3, 4, 5].map((seed) => randomFloats(H * T * d, seed));
  const shape = [1, H, T, d];
  cases.push({
    name: `attention H=${H} T=${T} d=${d}`,
    run: () =>
      maxError(attentionGraph(H, T, d), { Q: feed(Q, shape), K: feed(K, shape), V: feed(V, shape) },
        attentionReference(Q, K, V, H, T, d)),
  });
}

for (const [H, T, d] of [[1, 1, 4], [2, 7, 8], [2, 33, 16]]) {
  const params = { lambda: 0.35, lambdaInit: 0.2, norm: randomFloats(2 * d, 9).map((x) => 1 + 0.5 * x) };
  const [Q, K] = [6, 7].map((seed) => randomFloats(H * 2 * T * d, seed));
  const V = randomFloats(H * T * 2 * d, 8);
  cases.push({
    name: `diff attention H=${H} T=${T} d=${d}`,
    run: () =>
      maxError(diffAttentionGraph(H, T, d, params),
        { Q: feed(Q, [1, H, 2, T, d]), K: feed(K, [1, H, 2, T, d]), V: feed(V, [1, H, 1, T, 2 * d]) },
        diffAttentionReference(Q, K, V, H, T, d, params)),
  });
}

/** Runs every case, prints one line each and returns the number of failures. */
export async function runChecks() {
  let failed = 0;
  for (const { name, run } of cases) {
    const error = await run();
    const ok = error <= TOLERANCE;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: max relative error ${error.toExponential(2)}`);
  }
  console.log(`${cases.length - failed} passed, ${failed} failed`);
  return failed;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = (await runChecks()) === 0 ? 0 : 1;
}
