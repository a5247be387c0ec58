/**
 * Relaxed SIMD suite (`node --experimental-wasm-relaxed-simd --expose-gc bench/run.js relaxed` on
 * Node 20): the standard build against diffattn.relaxed.wasm, whose GEMM and attention
 * micro-kernels use `f32x4.relaxed_madd` instead of mul + add (assembly/madd.ts), on the two
 * kernels they dominate: GEMM 512³ (nn) and the DIFF V1 attention forward at T = 2048 (B = 1,
 * 4 differential heads of d = 64, the attention suite's `attn-T` case).
 *
 * Both builds run in this one process, in alternating rounds so that they see the same machine
 * load; each row reports the median of the rounds' medians and the fastest call of all rounds, and
 * the speed-up is standard ÷ relaxed on both. When the runtime lacks relaxed SIMD the loader falls
 * back to the standard build, and the suite says so and returns no records.
 */
import { formatTable, measure } from './measure.js';

/** Suite name used in records and on the command line. */
export const name = 'relaxed';

const ENGINE = new URL('../dist/src/engine/index.js', import.meta.url);
const ATTN = new URL('../dist/src/engine/attention.js', import.meta.url);
const V1 = { kind: 'diff_v1', numHeads: 4, headDim: 64 };
const SCALARS = { lambda: 0.5, lambdaInit: 0.2 };

/**
 * Runs the suite, prints its table and returns one record per case and build.
 * @param {{ engine: any, quick: boolean }} ctx `engine` is the runner's standard-build engine
 */
export async function run({ engine, quick }) {
  const { Engine } = await import(ENGINE.href);
  const relaxed = await Engine.load({ relaxed: true });
  if (!relaxed.wasm.relaxed) {
    console.log('relaxed SIMD is not available in this runtime (Node 20: run node with --experimental-wasm-relaxed-simd); skipped');
    return [];
  }
  const { Attention } = await import(ATTN.href);
  const builds = [['standard', engine], ['relaxed', relaxed]];
  const rounds = quick ? 2 : 5;
  const cases = [
    { name: 'GEMM 512³ nn', shape: '512x512x512', flops: 2 * 512 ** 3, timeMs: quick ? 200 : 1000, setup: gemmCall },
    { name: 'DIFF V1 fwd', shape: 'B=1 H=4 T=2048 d=64 dv=128', flops: 4 * 8 * 64 * (2048 * 2049) / 2, timeMs: quick ? 300 : 1500,
      setup: (e) => attentionCall(e, Attention.create(e.wasm, e.arena, V1), 2048) },
  ];
  const records = [];
  const rows = [];
  for (const c of cases) {
    const samples = builds.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let x = 0; x < builds.length; x++) samples[x].push(await timeCall(builds[x][1], c, `${c.name} ${builds[x][0]}`));
    }
    const [std, rel] = samples.map(summarise);
    for (const [[build], t] of [[builds[0], std], [builds[1], rel]]) {
      const speedup = { median: std.msMedian / t.msMedian, best: std.msMin / t.msMin };
      const gflops = c.flops / t.msMedian / 1e6;
      const gflopsBest = c.flops / t.msMin / 1e6;
      records.push({
        name: `${c.name} (${build})`, shape: c.shape, build, msMedian: t.msMedian, msMin: t.msMin, samples: t.samples,
        gflops, gflopsBest, ratios: { xStandard: speedup.median, xStandardBest: speedup.best },
      });
      rows.push([c.name, build, t.msMedian.toFixed(2), t.msMin.toFixed(2), gflops.toFixed(1), gflopsBest.toFixed(1),
        speedup.median.toFixed(2), speedup.best.toFixed(2)]);
    }
  }
  console.log(formatTable(
    ['kernel', 'build', 'ms (median)', 'ms (min)', 'GFLOP/s', 'GFLOP/s best', '× standard', '× standard best'], rows));
  console.log(`${rounds} alternating rounds per case; medians of the rounds' medians, minima over all calls.`);
  return records;
}

// Places one case's operands in the engine's arena, times it, and frees them again.
async function timeCall(engine, c, label) {
  const mark = engine.arena.top;
  try {
    return await measure(label, c.setup(engine), { timeMs: c.timeMs, iterations: 5 });
  } finally {
    engine.arena.reset(mark);
  }
}

// C = A·B at 512³ through the validated pointer call, as the gemm suite times it.
function gemmCall(engine) {
  const n = 512;
  const { arena } = engine;
  const scratchBytes = engine.gemmScratchBytes(n, n, n);
  arena.reserve(3 * 4 * n * n + scratchBytes + 4 * 64);
  const [a, b, c] = [0, 1, 2].map(() => arena.alloc(4 * n * n, 64));
  const scratch = arena.alloc(scratchBytes, 64);
  randomFill(arena.f32view(a, n * n));
  randomFill(arena.f32view(b, n * n));
  return () => engine.gemmPtr('nn', a, b, c, n, n, n, false, scratch);
}

// One B = 1 DIFF V1 forward with the rstd and lse outputs the backward needs, as the attention
// suite times it.
function attentionCall(engine, attn, T) {
  const L = attn.layout;
  const { arena } = engine;
  const sizes = { q: T * L.Hq * L.d, k: T * L.Hk * L.d, v: T * L.Hv * L.dv, out: T * L.H * L.dv, lse: L.Hq * T, rstd: L.H * T,
    scratch: attn.forwardScratchBytes(1, T) / 4 };
  arena.reserve(Object.values(sizes).reduce((s, n) => s + 4 * n + 64, 0));
  const p = {};
  for (const [key, n] of Object.entries(sizes)) p[key] = arena.alloc(4 * n, 64);
  for (const key of ['q', 'k', 'v']) randomFill(arena.f32view(p[key], sizes[key]));
  return () => attn.forwardPtr(1, T, { ...p, sigma: 0, gain: 0 }, SCALARS);
}

// Median of the rounds' medians, fastest call, total calls.
function summarise(timings) {
  const medians = timings.map((t) => t.msMedian).sort((p, q) => p - q);
  return { msMedian: medians[Math.floor((medians.length - 1) / 2)], msMin: Math.min(...timings.map((t) => t.msMin)),
    samples: timings.reduce((n, t) => n + t.samples, 0) };
}

function randomFill(view) {
  for (let i = 0; i < view.length; i++) view[i] = Math.random() * 2 - 1;
}
