/**
 * Attention suite (`npm run bench -- attention`): the fused causal attention kernels at the
 * `attn-T` reference configuration (B = 1, d_model 512: 4 differential heads of d = 64 with
 * 128-wide values, or 8 baseline heads of d = 64), against a scalar JavaScript loop.
 *
 * FLOPs are counted over the causal half, T(T+1)/2 query–key pairs, per head and pair:
 *   DIFF V1: 2 maps × 2d (Q·Kᵀ) + 2·2d (one P·V on the combined map, 2d-wide values) = 8d
 *   baseline: 2d + 2d = 4d  (8 heads × 4d = 4 heads × 8d: the same FLOPs at the same width)
 *   V1 with one P·V per map (`splitValueProducts`): 12d, timed against the fused path in
 *   alternating rounds to measure what it saves; both rows quote GFLOP/s on the 8d count.
 *   backward (V1): 24d (scores and O recomputed, G, dQ, dK, dV).
 * Peak extra memory is the kernels' scratch (their only memory beyond inputs, outputs and the
 * saved statistics). The scalar loop is timed up to T = 2048 (T = 512 only with --quick); larger T
 * are extrapolated by the pair count T(T+1)/2 and marked with *.
 * Decode: one token of DIFF V1 against a cache holding `context` positions; its rate is the bytes
 * of cache read per step (context × (2·Hkv·d + Hkv·2d) × 4): from one cache, warm in L2/L3 after
 * the first call, and "cold", cycling through 96 MiB of caches so every call reads from DRAM as
 * in a model (whose weights evict the cache between two steps of a layer).
 */
import { readFileSync } from 'node:fs';
import { formatTable, measure } from './measure.js';
import { scalarAttention } from './scalar-attention.js';

/** Suite name used in records and on the command line. */
export const name = 'attention';

const ATTN = new URL('../dist/src/engine/attention.js', import.meta.url);
const PEERS = new URL('./results/peers.json', import.meta.url);
const V1 = { kind: 'diff_v1', numHeads: 4, headDim: 64 };
const BASELINE = { kind: 'baseline', numHeads: 8, headDim: 64 };
const SCALARS = { lambda: 0.5, lambdaInit: 0.2 };
/** MiB of KV caches the cold decode cycles through: more than the L3 (32 MiB on this machine). */
const COLD_MIB = 96;

/**
 * Runs the suite, prints its tables and returns one record per case.
 * @param {{ engine: any, quick: boolean }} ctx
 */
export async function run({ engine, quick }) {
  const { Attention } = await import(ATTN.href);
  const peers = loadPeers();
  const Ts = quick ? [128, 512, 2048] : [128, 512, 2048, 8192];
  const scalarMaxT = quick ? 512 : 2048;
  const records = [];
  const rows = [];
  const scalarMs = new Map();
  for (const [label, config, perPair, peer] of [['DIFF V1 fwd', V1, 8, 'diff-attention'], ['baseline fwd', BASELINE, 4, 'attention-causal']]) {
    const attn = Attention.create(engine.wasm, engine.arena, config);
    for (const T of Ts) {
      const flops = attn.layout.H * perPair * attn.layout.d * (T * (T + 1)) / 2;
      const { timing, scratch } = await timeForward(engine, attn, T, quick);
      const scalar = await scalarTime(attn.layout, T, scalarMaxT, scalarMs, label, quick);
      const ort = peers.find((r) => r.name === peer && r.shape.includes(`T=${T} `));
      const ratios = { xScalar: scalar.ms / timing.msMedian, ...(ort === undefined ? {} : { xOrtWeb: ort.msMedian / timing.msMedian }) };
      records.push({
        name: label, shape: `B=1 H=${attn.layout.H} T=${T} d=${attn.layout.d} dv=${attn.layout.dv}`, msMedian: timing.msMedian,
        msMin: timing.msMin, samples: timing.samples, gflops: flops / timing.msMedian / 1e6, gflopsBest: flops / timing.msMin / 1e6,
        scratchBytes: scratch, ratios, scalar,
      });
      rows.push([label, T, timing.msMedian.toFixed(2), timing.msMin.toFixed(2), (flops / timing.msMedian / 1e6).toFixed(1),
        (scratch / 2 ** 20).toFixed(2), scalar.ms.toFixed(0) + (scalar.extrapolated ? '*' : ''), ratios.xScalar.toFixed(1),
        ratios.xOrtWeb?.toFixed(1) ?? '']);
    }
  }
  // The FLOP choice: one P·V on the combined map (8d) against one per map (12d), timed in
  // alternating rounds so both see the same machine load.
  const fused = Attention.create(engine.wasm, engine.arena, V1);
  const split = Attention.create(engine.wasm, engine.arena, { ...V1, splitValueProducts: true });
  for (const T of quick ? [512] : [512, 2048]) {
    const flops = 4 * 8 * 64 * (T * (T + 1)) / 2;
    const [a, b] = await alternate(engine, [fused, split], T, quick);
    records.push({ name: 'DIFF V1 fwd, P·V per map (12d)', shape: `B=1 H=4 T=${T} d=64 dv=128`, msMedian: b.msMedian, msMin: b.msMin,
      samples: b.samples, gflops: flops / b.msMedian / 1e6, ratios: { xFusedOverSplit: b.msMedian / a.msMedian }, fusedMsMedian: a.msMedian });
    rows.push(['DIFF V1 fwd, fused (8d)', T, a.msMedian.toFixed(2), a.msMin.toFixed(2), (flops / a.msMedian / 1e6).toFixed(1), '', '', '', '']);
    rows.push(['DIFF V1 fwd, P·V per map (12d)', T, b.msMedian.toFixed(2), b.msMin.toFixed(2), (flops / b.msMedian / 1e6).toFixed(1),
      '', '', `fused ×${(b.msMedian / a.msMedian).toFixed(2)}`, '']);
  }
  const bwd = Attention.create(engine.wasm, engine.arena, V1);
  for (const T of quick ? [512] : [512, 2048]) {
    const { timing, scratch } = await timeBackward(engine, bwd, T, quick);
    const flops = 4 * 24 * 64 * (T * (T + 1)) / 2;
    records.push({ name: 'DIFF V1 bwd', shape: `B=1 H=4 T=${T} d=64 dv=128`, msMedian: timing.msMedian, msMin: timing.msMin,
      samples: timing.samples, gflops: flops / timing.msMedian / 1e6, scratchBytes: scratch, ratios: {} });
    rows.push(['DIFF V1 bwd', T, timing.msMedian.toFixed(2), timing.msMin.toFixed(2), (flops / timing.msMedian / 1e6).toFixed(1),
      (scratch / 2 ** 20).toFixed(2), '', '', '']);
  }
  console.log(formatTable(['attention', 'T', 'ms (median)', 'ms (min)', 'GFLOP/s', 'scratch MiB', 'scalar ms', 'x scalar', 'x ORT-web'], rows));
  console.log('* scalar time extrapolated from T = ' + scalarMaxT + ' by the pair count T(T+1)/2. ' +
    'GFLOP/s over the causal half: 8d per pair and differential head, 4d per baseline head, 24d backward.');
  const dec = [];
  for (const [label, cold] of [['DIFF V1 decode', false], ['DIFF V1 decode, cold cache', true]]) {
    for (const context of [512, 2048]) {
      const r = await timeDecode(engine, bwd, context, quick, cold);
      records.push({ name: label, shape: `B=1 H=4 context=${context} d=64 dv=128`, msMedian: r.timing.msMedian,
        msMin: r.timing.msMin, samples: r.timing.samples, gbPerS: r.bytes / r.timing.msMedian / 1e6, cacheBytesRead: r.bytes,
        scratchBytes: r.scratch, ratios: {} });
      dec.push([label, context, (r.timing.msMedian * 1000).toFixed(1), (r.bytes / 2 ** 20).toFixed(2),
        (r.bytes / r.timing.msMedian / 1e6).toFixed(1)]);
    }
  }
  console.log('\n' + formatTable(['decode (one token)', 'context', 'µs (median)', 'cache MiB read', 'GB/s'], dec));
  console.log(`cold cache: each call reads the next of ${COLD_MIB} MiB of caches (more than L3), as in a model, where a ` +
    "token's weights evict the cache; otherwise one cache, warm in L2/L3 after the first call.");
  return records;
}

// Inputs, outputs and scratch of one B = 1 layer in the arena, filled with N(0, 1)-ish values.
function place(engine, L, T, extra) {
  const { arena } = engine;
  const sizes = { q: T * L.Hq * L.d, k: T * L.Hk * L.d, v: T * L.Hv * L.dv, out: T * L.H * L.dv, lse: L.Hq * T, rstd: L.H * T, ...extra };
  arena.reserve(Object.values(sizes).reduce((s, n) => s + 4 * n + 64, 0));
  const ptr = {};
  for (const [key, n] of Object.entries(sizes)) ptr[key] = arena.alloc(4 * n, 64);
  for (const key of ['q', 'k', 'v', 'out']) randomFill(arena.f32view(ptr[key], sizes[key]));
  return ptr;
}

// Runs `body` on arena memory it allocates, then gives that memory back (also when it throws).
async function inArena(engine, body) {
  const mark = engine.arena.top;
  try {
    return await body();
  } finally {
    engine.arena.reset(mark);
  }
}

function timeForward(engine, attn, T, quick) {
  return inArena(engine, async () => {
    const L = attn.layout;
    const scratch = attn.forwardScratchBytes(1, T);
    const p = place(engine, L, T, { scratch: scratch / 4 });
    const v1 = L.kind === 'diff_v1';
    const call = () => attn.forwardPtr(1, T, { ...p, rstd: v1 ? p.rstd : 0, sigma: 0, gain: 0 }, v1 ? SCALARS : {});
    const timing = await measure(`${L.kind} fwd T=${T}`, call, options(T, quick));
    return { timing, scratch };
  });
}

function timeBackward(engine, attn, T, quick) {
  return inArena(engine, async () => {
    const L = attn.layout;
    const scratch = attn.backwardScratchBytes(1, T);
    const n = { dq: T * L.Hq * L.d, dk: T * L.Hk * L.d, dv: T * L.Hv * L.dv, dcoef: 1, scratch: Math.max(scratch, attn.forwardScratchBytes(1, T)) / 4 };
    const p = place(engine, L, T, n);
    attn.forwardPtr(1, T, { ...p, sigma: 0, gain: 0 }, SCALARS);
    const call = () => attn.backwardPtr(1, T, { ...p, sigma: 0, gain: 0, dy: p.out, dgain: 0 }, SCALARS);
    return { timing: await measure(`V1 bwd T=${T}`, call, options(T * 2, quick)), scratch };
  });
}

// One decode step at `context` positions: against one cache (warm after the first call) or,
// `cold`, against the next of COLD_MIB MiB of caches each call, so every call reads from DRAM.
function timeDecode(engine, attn, context, quick, cold) {
  return inArena(engine, async () => {
    const L = attn.layout;
    const maxT = cold ? context : 2048;
    const row = L.Hk * L.d + L.Hv * L.dv;
    const copies = cold ? Math.ceil((COLD_MIB * 2 ** 20) / (4 * maxT * row)) : 1;
    const scratch = attn.decodeScratchBytes(1, maxT);
    const p = place(engine, L, 1, { caches: copies * maxT * row, scratch: scratch / 4 });
    randomFill(engine.arena.f32view(p.caches, copies * maxT * row));
    let next = 0;
    const call = () => {
      const kCache = p.caches + 4 * maxT * row * next;
      next = (next + 1) % copies;
      attn.decodePtr(1, maxT, context - 1, { q: p.q, kNew: p.k, vNew: p.v, kCache, vCache: kCache + 4 * maxT * L.Hk * L.d,
        out: p.out, sigma: 0, gain: 0, scratch: p.scratch }, SCALARS);
    };
    const timing = await measure(`V1 decode ctx=${context}${cold ? ' cold' : ''}`, call, { timeMs: quick ? 200 : 1000, iterations: 20 });
    return { timing, bytes: context * row * 4, scratch };
  });
}

// The scalar loop's time at T: measured up to maxT, extrapolated by pairs above.
async function scalarTime(L, T, maxT, cache, label, quick) {
  if (T > maxT) {
    const base = cache.get(`${label}:${maxT}`);
    return { ms: base * (T * (T + 1)) / (maxT * (maxT + 1)), extrapolated: true };
  }
  const q = randomFill(new Float32Array(T * L.Hq * L.d));
  const k = randomFill(new Float32Array(T * L.Hk * L.d));
  const v = randomFill(new Float32Array(T * L.Hv * L.dv));
  const out = new Float32Array(T * L.H * L.dv);
  const s = { lambda: SCALARS.lambda, outScale: 1 - SCALARS.lambdaInit, eps: 1e-5 };
  const t = await measure(`scalar ${label} T=${T}`, () => scalarAttention(L, T, q, k, v, s, out),
    { timeMs: quick ? 100 : 300, iterations: T >= 2048 ? 1 : 3 });
  cache.set(`${label}:${T}`, t.msMedian);
  return { ms: t.msMedian, extrapolated: false };
}

// Medians of both kernels' forwards over alternating rounds. → [timing of attns[0], of attns[1]]
async function alternate(engine, attns, T, quick) {
  const rounds = quick ? 2 : 4;
  const samples = attns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let x = 0; x < attns.length; x++) samples[x].push((await timeForward(engine, attns[x], T, quick)).timing);
  }
  return samples.map((list) => {
    const sorted = list.map((t) => t.msMedian).sort((p, q) => p - q);
    return { msMedian: sorted[Math.floor((sorted.length - 1) / 2)], msMin: Math.min(...list.map((t) => t.msMin)),
      samples: list.reduce((n, t) => n + t.samples, 0) };
  });
}

// Few runs for the long cases, more for the short ones.
function options(T, quick) {
  if (T >= 8192) return { timeMs: 0, iterations: quick ? 1 : 3 };
  if (T >= 2048) return { timeMs: quick ? 300 : 1500, iterations: 5 };
  return { timeMs: quick ? 200 : 1000, iterations: 10 };
}

function randomFill(view) {
  for (let i = 0; i < view.length; i++) view[i] = Math.random() * 2 - 1;
  return view;
}

function loadPeers() {
  try {
    return JSON.parse(readFileSync(PEERS, 'utf8'));
  } catch {
    return [];
  }
}
