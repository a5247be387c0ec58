// Times onnxruntime-web (WASM backend, one thread) on the GEMM and attention work of diffattn's own
// bench, after check.js has verified every graph family. Prints a table and writes
// bench/results/peers.json: [{ name, shape, msMedian, gflops, backend: 'onnxruntime-web', cpuShare }].
//   cd bench/peers && npm run bench
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Bench } from 'tinybench';
import { runChecks } from './check.js';
import {
  attentionFlops,
  attentionGraph,
  createSession,
  diffAttentionFlops,
  diffAttentionGraph,
  feed,
  gemmFlops,
  gemmGraph,
  randomFloats,
} from './graphs.js';

const RESULTS = new URL('../results/peers.json', import.meta.url);

// Compile ORT's WebAssembly with the optimising tier (TurboFan) up front, before the first session
// is created. By default V8 starts on baseline code (Liftoff) and tiers hot functions up in the
// background; on this busy 2-vCPU machine that took 2–3 s after check.js, during which 256³ ran at
// 20 ms instead of 1.3 ms. This costs about 7 s of compilation once.
v8.setFlagsFromString('--no-liftoff');

// Fast cases are sampled for `time` ms; slow ones (attention at T = 2048, 8192) for at least
// `iterations` runs. The warm-up run also takes the first touch of freshly grown WASM memory,
// which costs more than the work itself at large T.
const BENCH_OPTIONS = { time: 2000, iterations: 3, warmupTime: 250, warmupIterations: 1, throws: true };

function gemmCase(name, M, K, N, { bInput = false } = {}) {
  const A = randomFloats(M * K, 1);
  const B = randomFloats(K * N, 2);
  return {
    name,
    shape: `[${M}×${K}]·[${K}×${N}]`,
    flops: gemmFlops(M, K, N),
    model: () => gemmGraph(M, K, N, bInput ? null : B),
    feeds: () => (bInput ? { A: feed(A, [M, K]), B: feed(B, [K, N]) } : { A: feed(A, [M, K]) }),
  };
}

// 8 softmax heads of d = 64: the standard attention with the FLOPs of 4 differential heads.
function attentionCase(T) {
  const H = 8;
  const d = 64;
  const shape = [1, H, T, d];
  return {
    name: 'attention-causal',
    shape: `B=1 H=${H} T=${T} d=${d}`,
    flops: attentionFlops(H, T, d),
    model: () => attentionGraph(H, T, d),
    feeds: () => ({
      Q: feed(randomFloats(H * T * d, 3), shape),
      K: feed(randomFloats(H * T * d, 4), shape),
      V: feed(randomFloats(H * T * d, 5), shape),
    }),
  };
}

// 4 differential heads, d = 64, values 2d = 128; λ, λinit as at the first layer of a DIFF V1 model.
function diffAttentionCase(T) {
  const H = 4;
  const d = 64;
  const params = { lambda: 0.35, lambdaInit: 0.2, norm: new Float32Array(2 * d).fill(1) };
  return {
    name: 'diff-attention',
    shape: `B=1 H=${H} T=${T} d=${d} dv=${2 * d}`,
    flops: diffAttentionFlops(H, T, d),
    model: () => diffAttentionGraph(H, T, d, params),
    feeds: () => ({
      Q: feed(randomFloats(H * 2 * T * d, 6), [1, H, 2, T, d]),
      K: feed(randomFloats(H * 2 * T * d, 7), [1, H, 2, T, d]),
      V: feed(randomFloats(H * T * 2 * d, 8), [1, H, 1, T, 2 * d]),
    }),
  };
}

const cases = [
  ...[256, 512, 1024].map((n) => gemmCase('gemm', n, n, n)),
  ...[256, 512, 1024].map((n) => gemmCase('gemm-b-input', n, n, n, { bInput: true })),
  // train-small: 8 sequences × 256 tokens, d_model 256, FFN 682.
  gemmCase('gemm-train-small-qkv', 2048, 256, 768),
  gemmCase('gemm-train-small-ffn-in', 2048, 256, 682),
  gemmCase('gemm-train-small-ffn-out', 2048, 682, 256),
  gemmCase('gemm-train-small-attn-out', 2048, 256, 256),
  // infer-25m prefill: 512 tokens, d_model 512, FFN 1365.
  gemmCase('gemm-infer-25m-qkv', 512, 512, 1536),
  gemmCase('gemm-infer-25m-ffn-in', 512, 512, 1365),
  gemmCase('gemm-infer-25m-ffn-out', 512, 1365, 512),
  gemmCase('gemm-infer-25m-attn-out', 512, 512, 512),
  ...[128, 512, 2048].flatMap((T) => [attentionCase(T), diffAttentionCase(T)]),
  // Last, since they grow the WASM heap to its 4 GiB limit: the standard graph's [1, 8, T, T] f32
  // scores alone are 2 GiB at T = 8192, so it is expected to fail with std::bad_alloc.
  diffAttentionCase(8192),
  attentionCase(8192),
];

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Creates the case's session, times session.run with tinybench and releases the session. Returns the
 * median wall time in ms and the CPU share: this process's CPU time over wall time while the task ran.
 * The machine is shared; a share well below 1 means other processes took the core and the wall times
 * are inflated by about 1 / share.
 */
async function measure(c) {
  const session = await createSession(c.model());
  try {
    const feeds = c.feeds();
    const bench = new Bench(BENCH_OPTIONS);
    bench.add(c.name, () => session.run(feeds));
    const [wall0, cpu0] = [performance.now(), cpuMs()];
    await bench.run();
    const cpuShare = (cpuMs() - cpu0) / (performance.now() - wall0);
    return { msMedian: bench.tasks[0].result.latency.p50, cpuShare };
  } finally {
    await session.release();
  }
}

const cell = (text, width) => String(text).padEnd(width);
const row = (...cols) =>
  console.log(`${cell(cols[0], 28)}${cell(cols[1], 30)}${cell(cols[2], 12)}${cell(cols[3], 10)}${cols[4] ?? ''}`);

if ((await runChecks()) > 0) {
  console.error('check failed: not benchmarking');
  process.exit(1);
}

console.log(`\nonnxruntime-web, WASM backend, 1 thread, Node ${process.versions.node}`);
row('name', 'shape', 'ms median', 'GFLOP/s', 'CPU share');
const records = [];
for (const c of cases) {
  try {
    const { msMedian, cpuShare } = await measure(c);
    const gflops = c.flops / (msMedian * 1e6);
    records.push({ name: c.name, shape: c.shape, msMedian, gflops, backend: 'onnxruntime-web', cpuShare });
    row(c.name, c.shape, msMedian.toFixed(2), gflops.toFixed(1), cpuShare.toFixed(2));
  } catch (error) {
    row(c.name, c.shape, 'failed', String(error.message ?? error).replace(/\s+/g, ' ').slice(0, 120));
  }
}
console.log(
  '\nAttention GFLOP/s count the causal half only: Q·Kᵀ and P·V over the T(T+1)/2 (query, key) pairs\n' +
    '(2·d FLOPs each per score map, 2·dv per value product). ORT computes and then masks the full T×T\n' +
    'scores, so its arithmetic rate is about twice the effective rate shown.',
);

await mkdir(new URL('.', RESULTS), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(records, null, 2)}\n`);
console.log(`wrote ${records.length} records to ${fileURLToPath(RESULTS)}`);
