/** Grouped bar charts: one bar per (group, series), series side by side within each group. */
import { check } from '../errors.js';
import { checkFinite, checkNonEmpty } from './check.js';
import { renderSvg } from './render.js';

/** One bar. */
export interface BarRow {
  group: string;
  series: string;
  value: number;
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  /** Title of the group axis; default none. */
  xLabel?: string;
  /** Pixels per group; default 20 per series + 16. */
  groupWidth?: number;
  height?: number;
}

/** Bars grouped by `group`, coloured by `series` (groups and series in order of first appearance). */
export async function barChartSvg(rows: BarRow[], opts: BarChartOptions): Promise<string> {
  checkNonEmpty('barChartSvg', 'rows', rows);
  checkFinite('barChartSvg', 'value', rows.map((r) => r.value));
  const seen = new Set<string>();
  for (const r of rows) {
    const key = JSON.stringify([r.group, r.series]);
    check(!seen.has(key), 'value', () => `barChartSvg: each (group, series) must appear once, ('${r.group}', '${r.series}') repeats`);
    seen.add(key);
  }
  const groups = [...new Set(rows.map((r) => r.group))];
  const series = [...new Set(rows.map((r) => r.series))];
  return renderSvg({
    title: opts.title,
    width: { step: opts.groupWidth ?? 20 * series.length + 16 },
    height: opts.height ?? 260,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'group', type: 'nominal', title: opts.xLabel ?? null, sort: groups, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: series },
      y: { field: 'value', type: 'quantitative', title: opts.yLabel },
      color: { field: 'series', type: 'nominal', title: null, sort: series },
    },
  });
}
