/** Line charts of named series over a shared x axis (loss curves, λ trajectories), optionally log y. */
import { check } from '../errors.js';
import { checkFinite, checkNonEmpty } from './check.js';
import { renderSvg } from './render.js';

/** One named series: y[i] at x[i]. */
export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic y axis (every y must then be > 0). */
  logY?: boolean;
  /** Plot size in pixels; default 480 × 300. */
  width?: number;
  height?: number;
}

/** One line per series, coloured by name, with a legend, as an SVG document. */
export async function lineChartSvg(series: LineSeries[], opts: LineChartOptions): Promise<string> {
  checkNonEmpty('lineChartSvg', 'series', series);
  const values: Array<{ series: string; x: number; y: number }> = [];
  const names = new Set<string>();
  for (const s of series) {
    const who = `lineChartSvg: series '${s.name}'`;
    check(!names.has(s.name), 'value', () => `lineChartSvg: series names must be unique, '${s.name}' repeats`);
    names.add(s.name);
    checkNonEmpty(who, 'x', s.x);
    check(s.x.length === s.y.length, 'shape', () => `${who}: x and y must have the same length, got ${s.x.length} and ${s.y.length}`);
    checkFinite(who, 'x', s.x);
    checkFinite(who, 'y', s.y);
    s.y.forEach((y, i) => {
      check(!opts.logY || y > 0, 'value', () => `${who}: y[${i}] must be > 0 on a log axis (logY), got ${y}`);
      values.push({ series: s.name, x: s.x[i], y });
    });
  }
  return renderSvg({
    title: opts.title,
    width: opts.width ?? 480,
    height: opts.height ?? 300,
    data: { values },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xLabel },
      y: { field: 'y', type: 'quantitative', title: opts.yLabel, scale: opts.logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, sort: [...names] },
    },
  });
}
