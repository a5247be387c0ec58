/**
 * Memory-bandwidth suite: copies inside WebAssembly linear memory, from DRAM (256 MiB buffers, far
 * beyond the caches) and from L2 (256 KiB). Single-token decode reads every weight once per token,
 * so its ceiling is this bandwidth divided by the bytes read per token.
 *
 * "copy GB/s" counts bytes copied per second; "traffic GB/s" counts bytes read plus bytes written
 * (the STREAM convention), twice the copy rate.
 */
import { formatTable, measure } from './measure.js';

/** Suite name used in records and on the command line. */
export const name = 'bandwidth';

const MiB = 2 ** 20;

/**
 * Runs the suite, prints its table and returns one record per case.
 * @param {{ engine: any, quick: boolean }} ctx
 */
export async function run({ engine, quick }) {
  const { arena, wasm } = engine;
  const cases = [
    { name: 'DRAM', bytes: (quick ? 64 : 256) * MiB, repeat: 1 },
    { name: 'L2-resident', bytes: 256 * 1024, repeat: 64 },
  ];
  const records = [];
  const rows = [];
  for (const { name: where, bytes, repeat } of cases) {
    const mark = arena.top;
    arena.reserve(2 * bytes + 128);
    const src = arena.alloc(bytes, 64);
    const dst = arena.alloc(bytes, 64);
    new Uint8Array(wasm.memory.buffer, src, bytes).fill(1);
    // First touch of fresh pages costs ≈ 12 µs per 4 KiB: do it before timing.
    wasm.exports.copy_bulk(dst, src, bytes);
    for (const kernel of ['copy_f32x4', 'copy_bulk']) {
      const fn = wasm.exports[kernel];
      const t = await measure(`${kernel} ${where}`, () => {
        for (let r = 0; r < repeat; r++) fn(dst, src, bytes);
      }, { timeMs: quick ? 300 : 1000, iterations: 5 });
      const gbps = (bytes * repeat) / t.msMedian / 1e6;
      const label = `${kernel} (${where}, ${bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`})`;
      records.push({
        name: label, shape: `${bytes} B${repeat > 1 ? ` x${repeat}` : ''}`, msMedian: t.msMedian / repeat,
        samples: t.samples, gflops: null, gbps, trafficGbps: 2 * gbps, ratios: {},
      });
      rows.push([label, (t.msMedian / repeat).toFixed(3), gbps.toFixed(1), (2 * gbps).toFixed(1)]);
    }
    arena.reset(mark);
  }
  console.log(formatTable(['copy', 'ms (median)', 'copy GB/s', 'traffic GB/s'], rows));
  return records;
}
