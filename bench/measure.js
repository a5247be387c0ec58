/**
 * Helpers shared by the suites: one tinybench run per task, reduced to the numbers the tables and
 * records use; the reference configurations; table formatting.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Bench } from 'tinybench';

/**
 * @typedef {object} Timing
 * @property {number} msMedian median latency, ms
 * @property {number} msMin fastest sample, ms (the least disturbed by other load on the machine)
 * @property {number} samples number of timed calls
 * @property {number} cpuShare process CPU time ÷ wall time over the whole measurement (warm-up
 *   included): ≈ 1 when the benchmark had a core to itself, lower when other processes took turns
 *   on it (background V8 threads can push it slightly above 1)
 * @property {number | null} otherCores CPU used by other processes over the measurement, in cores
 *   (machine-wide busy time from /proc/stat minus this process; null where there is no
 *   /proc/stat). Other load can slow a run even at cpuShare ≈ 1 (shared caches, memory bandwidth).
 */

/**
 * Times `fn` with tinybench: warm-up, then at least `iterations` calls and `timeMs` of calls.
 * `setup` runs untimed before the warm-up and again before the timed calls, e.g. to put state
 * back (a KV cache refilled to a known length).
 * @param {string} name
 * @param {() => void} fn
 * @param {{ timeMs?: number, iterations?: number, setup?: () => void }} [options]
 * @returns {Promise<Timing>}
 */
export async function measure(name, fn, { timeMs = 1000, iterations = 10, setup } = {}) {
  globalThis.gc?.();
  const bench = new Bench({ time: timeMs, iterations, warmupTime: Math.min(250, timeMs / 4), warmupIterations: 2, throws: true });
  bench.add(name, fn, { async: false, ...(setup === undefined ? {} : { beforeAll: setup }) });
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const ticks0 = machineTicks();
  await bench.run();
  const ticks1 = machineTicks();
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  // Clock ticks are 10 ms: a measurement shorter than one tick has no load figure.
  const ticked = ticks0 !== null && ticks1 !== null && ticks1.total > ticks0.total;
  const busyCores = ticked ? ((ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total)) * availableParallelism() : null;
  const otherCores = busyCores === null ? null : Math.max(0, busyCores - cpuShare);
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`benchmark ${name}: ${result.state}`);
  return { msMedian: result.latency.p50, msMin: result.latency.min, samples: result.latency.samplesCount, cpuShare, otherCores };
}

// Machine-wide busy and total CPU time in clock ticks (first line of /proc/stat: user nice system
// idle iowait irq softirq steal …); null where there is no /proc/stat.
function machineTicks() {
  let fields;
  try {
    fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  } catch {
    return null;
  }
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/**
 * A reference configuration from bench/configs (the shapes the anchors were measured at).
 * @param {string} file e.g. 'train-small.json'
 * @returns {any}
 */
export function loadConfig(file) {
  return JSON.parse(readFileSync(new URL(`./configs/${file}`, import.meta.url), 'utf8'));
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
