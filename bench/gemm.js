/**
 * GEMM suite: the WASM SIMD kernels against a scalar JavaScript loop, at square sizes and at the
 * matrix shapes of the reference configurations (bench/configs).
 *
 * Every WASM case runs through `engine.gemmPtr` (validated pointer call, operands already in linear
 * memory), i.e. what the engine's forward and backward passes will call. The scalar baseline is
 * slow (≈ 1 GFLOP/s), so for large shapes it runs on the first M′ rows only — a GEMM's cost is
 * linear in M at fixed N and K — and its rate is taken per FLOP; the table marks those rows.
 */
import { formatTable, loadConfig, measure } from './measure.js';
import { scalarGemm } from './scalar-gemm.js';

/** Suite name used in records and on the command line. */
export const name = 'gemm';

// The scalar loop gets about this many FLOPs per call (≈ 0.1–0.2 s).
const SCALAR_FLOP_BUDGET = 2 ** 27;

/**
 * @typedef {{ name: string, layout: 'nn' | 'nt' | 'tn', M: number, N: number, K: number }} GemmCase
 */

/** @returns {GemmCase[]} */
function squareCases() {
  return [
    ...[256, 512, 1024].map((n) => ({ name: `square ${n}³`, layout: /** @type {const} */ ('nn'), M: n, N: n, K: n })),
    { name: 'square 512³', layout: 'nt', M: 512, N: 512, K: 512 },
    { name: 'square 512³', layout: 'tn', M: 512, N: 512, K: 512 },
  ];
}

/**
 * The projections of one decoder layer and the LM head as [rows × in]·[in × out] products, rows =
 * the tokens processed at once. The fused q/k/v projection has 6·H·d outputs: 2H query heads and
 * 2H key heads of size d, and H value heads of size 2d (DESIGN.md, "Differential heads").
 * @param {any} cfg a bench/configs/*.json object
 * @param {number} rows
 * @returns {GemmCase[]}
 */
function configCases(cfg, rows) {
  const C = cfg.d_model;
  const qkv = 6 * cfg.diff_heads * cfg.head_dim;
  const F = cfg.ffn_hidden;
  /** @type {Array<[string, number, number]>} */
  const shapes = [
    ['qkv proj', C, qkv],
    ['out proj', C, C],
    ['ffn up (w1, w3)', C, F],
    ['ffn down (w2)', F, C],
    ['LM head', C, cfg.vocab],
  ];
  return shapes.map(([what, K, N]) => ({ name: `${cfg.name} ${what}`, layout: 'nn', M: rows, N, K }));
}

function randomFill(view) {
  for (let i = 0; i < view.length; i++) view[i] = Math.random() * 2 - 1;
}

/**
 * Runs the suite, prints its table and returns one record per case.
 * @param {{ engine: any, quick: boolean }} ctx
 */
export async function run({ engine, quick }) {
  const train = loadConfig('train-small.json');
  const infer = loadConfig('infer-25m.json');
  const cases = [
    ...squareCases(),
    ...configCases(train, train.batch * train.context),
    ...configCases(infer, infer.prefill_tokens),
  ];
  const timeMs = quick ? 200 : 1000;
  const records = [];
  const rows = [];
  let scaledNote = false;
  for (const g of cases) {
    const { M, N, K, layout } = g;
    const flops = 2 * M * N * K;
    const wasm = await timeWasm(engine, g, timeMs);
    const scalar = await timeScalar(g, quick);
    const gflops = flops / wasm.msMedian / 1e6;
    const xScalar = gflops / scalar.gflops;
    const shape = `${M}x${N}x${K}`;
    records.push({
      name: `${g.name} ${layout}`, shape, layout, msMedian: wasm.msMedian, msMin: wasm.msMin, samples: wasm.samples,
      gflops, gflopsBest: flops / wasm.msMin / 1e6,
      ratios: { xScalar },
      scalar: { gflops: scalar.gflops, rows: scalar.rows, scaledByFlops: scalar.rows < M },
    });
    scaledNote ||= scalar.rows < M;
    rows.push([
      `${g.name} ${layout}`, shape, wasm.msMedian.toFixed(3), gflops.toFixed(1), (flops / wasm.msMin / 1e6).toFixed(1),
      scalar.gflops.toFixed(2) + (scalar.rows < M ? '*' : ''), xScalar.toFixed(1),
    ]);
  }
  console.log(formatTable(
    ['GEMM', 'M×N×K', 'ms (median)', 'GFLOP/s', 'GFLOP/s best', 'scalar GFLOP/s', 'x scalar'], rows));
  if (scaledNote) {
    console.log(`* scalar JS timed on the first M′ rows only (≈ ${SCALAR_FLOP_BUDGET / 2 ** 20}M FLOPs per call) ` +
      'and compared per FLOP.');
  }
  return records;
}

// Times the WASM kernel on operands placed in the arena, which is freed again afterwards.
async function timeWasm(engine, { name: caseName, layout, M, N, K }, timeMs) {
  const { arena } = engine;
  const mark = arena.top;
  const scratchBytes = engine.gemmScratchBytes(M, N, K);
  arena.reserve(4 * (M * K + K * N + M * N) + scratchBytes + 4 * 64);
  const a = arena.alloc(4 * M * K, 64);
  const b = arena.alloc(4 * K * N, 64);
  const c = arena.alloc(4 * M * N, 64);
  const scratch = arena.alloc(scratchBytes, 64);
  randomFill(arena.f32view(a, M * K));
  randomFill(arena.f32view(b, K * N));
  try {
    return await measure(`${caseName} ${layout}`, () => engine.gemmPtr(layout, a, b, c, M, N, K, false, scratch), { timeMs });
  } finally {
    arena.reset(mark);
  }
}

// Times the scalar loop on the first `rows` ≤ M rows; returns its GFLOP/s.
async function timeScalar({ layout, M, N, K }, quick) {
  const rows = Math.max(1, Math.min(M, Math.round(SCALAR_FLOP_BUDGET / (2 * N * K))));
  const A = new Float32Array(rows * K);
  const B = new Float32Array(K * N);
  const C = new Float32Array(rows * N);
  randomFill(A);
  randomFill(B);
  const t = await measure(`scalar ${layout}`, () => scalarGemm(layout, A, B, C, rows, N, K),
    { timeMs: quick ? 100 : 400, iterations: 3 });
  return { gflops: (2 * rows * N * K) / t.msMedian / 1e6, rows };
}
