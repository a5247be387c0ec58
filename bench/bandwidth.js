/**
 * Memory-bandwidth suite: copies inside WebAssembly linear memory, from DRAM (256 MiB buffers, far
 * beyond the caches) and from L2 (256 KiB). Single-token decode reads every weight once per token,
 * so its ceiling is this bandwidth divided by the bytes read per token (the model suite measures
 * the DRAM case again with `copyRates`, next to its decode).
 *
 * "copy GB/s" counts bytes copied per second; "traffic GB/s" counts bytes read plus bytes written
 * (the STREAM convention), twice the copy rate.
 */
import { formatTable, measure } from './measure.js';

/** Suite name used in records and on the command line. */
export const name = 'bandwidth';

export const MiB = 2 ** 20;

/** The copy kernels timed: a plain f32x4 load/store loop and `memory.copy`. */
const KERNELS = ['copy_f32x4', 'copy_bulk'];

/**
 * Times each copy kernel on `bytes` between two arena buffers (`repeat` copies per timed call, so
 * that small copies are not dominated by call overhead); the arena space is freed again.
 * @param {any} engine the runner's `Engine`
 * @param {number} bytes
 * @param {{ repeat?: number, timeMs?: number }} [options]
 * @returns {Promise<Array<{ kernel: string, timing: import('./measure.js').Timing, gbps: number, trafficGbps: number }>>}
 *   gbps: bytes copied per second ÷ 1e9; trafficGbps: read + written
 */
export async function copyRates(engine, bytes, { repeat = 1, timeMs = 1000 } = {}) {
  const { arena, wasm } = engine;
  const mark = arena.top;
  try {
    arena.reserve(2 * bytes + 128);
    const src = arena.alloc(bytes, 64);
    const dst = arena.alloc(bytes, 64);
    new Uint8Array(wasm.memory.buffer, src, bytes).fill(1);
    // First touch of fresh pages costs ≈ 12 µs per 4 KiB: do it before timing.
    wasm.exports.copy_bulk(dst, src, bytes);
    const rates = [];
    for (const kernel of KERNELS) {
      const fn = wasm.exports[kernel];
      const timing = await measure(`${kernel} ${bytes} B`, () => {
        for (let r = 0; r < repeat; r++) fn(dst, src, bytes);
      }, { timeMs, iterations: 5 });
      const gbps = (bytes * repeat) / timing.msMedian / 1e6;
      rates.push({ kernel, timing, gbps, trafficGbps: 2 * gbps });
    }
    return rates;
  } finally {
    arena.reset(mark);
  }
}

/**
 * Runs the suite, prints its table and returns one record per case.
 * @param {{ engine: any, quick: boolean }} ctx
 */
export async function run({ engine, quick }) {
  const cases = [
    { where: 'DRAM', bytes: (quick ? 64 : 256) * MiB, repeat: 1 },
    { where: 'L2-resident', bytes: 256 * 1024, repeat: 64 },
  ];
  const records = [];
  const rows = [];
  for (const { where, bytes, repeat } of cases) {
    for (const { kernel, timing: t, gbps, trafficGbps } of await copyRates(engine, bytes, { repeat, timeMs: quick ? 300 : 1000 })) {
      const label = `${kernel} (${where}, ${bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`})`;
      records.push({
        name: label, shape: `${bytes} B${repeat > 1 ? ` x${repeat}` : ''}`, msMedian: t.msMedian / repeat,
        samples: t.samples, gflops: null, gbps, trafficGbps, ratios: {},
      });
      rows.push([label, (t.msMedian / repeat).toFixed(3), gbps.toFixed(1), trafficGbps.toFixed(1)]);
    }
  }
  console.log(formatTable(['copy', 'ms (median)', 'copy GB/s', 'traffic GB/s'], rows));
  return records;
}
