/**
 * The table the examples' measure.js scripts print: one row per run and a median row (the median,
 * because a run that shared the machine with other work is an outlier, not a sample to average).
 */
import { formatTable } from '../bench/measure.js';

/** @typedef {[header: string, key: string, digits: number]} Column */

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The medians of every column and the printable table.
 * @param {Record<string, number>[]} runs @param {Column[]} columns
 * @returns {{ medians: Record<string, number>, table: string }}
 */
export function summarizeRuns(runs, columns) {
  const medians = Object.fromEntries(columns.map(([, key]) => [key, median(runs.map((r) => r[key]))]));
  const row = (label, r) => [label, ...columns.map(([, key, digits]) => r[key].toFixed(digits))];
  const table = formatTable(['run', ...columns.map(([header]) => header)], [...runs.map((r, i) => row(String(i + 1), r)), row('median', medians)]);
  return { medians, table };
}
