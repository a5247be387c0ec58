/**
 * Timing helpers shared by the suites: one tinybench run per task, reduced to the numbers the
 * tables and records use.
 */
import { Bench } from 'tinybench';

/**
 * @typedef {object} Timing
 * @property {number} msMedian median latency, ms
 * @property {number} msMin fastest sample, ms (the least disturbed by other load on the machine)
 * @property {number} samples number of timed calls
 */

/**
 * Times `fn` with tinybench: warm-up, then at least `iterations` calls and `timeMs` of calls.
 * @param {string} name
 * @param {() => void} fn
 * @param {{ timeMs?: number, iterations?: number }} [options]
 * @returns {Promise<Timing>}
 */
export async function measure(name, fn, { timeMs = 1000, iterations = 10 } = {}) {
  globalThis.gc?.();
  const bench = new Bench({ time: timeMs, iterations, warmupTime: Math.min(250, timeMs / 4), warmupIterations: 2, throws: true });
  bench.add(name, fn, { async: false });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`benchmark ${name}: ${result.state}`);
  return { msMedian: result.latency.p50, msMin: result.latency.min, samples: result.latency.samplesCount };
}

/**
 * Formats rows as an aligned text table.
 * @param {string[]} header
 * @param {Array<Array<string | number>>} rows
 * @returns {string}
 */
export function formatTable(header, rows) {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
