/**
 * Line and grouped bar charts: well-formed SVG, one line per series and one bar per row, titles and
 * axis titles written, bad input rejected with the series or row named.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barChartSvg, lineChartSvg } from '../../src/plot/index.js';
import { markItems, parseSvg, texts } from './svg.js';

describe('lineChartSvg', () => {
  it('draws one line per series with its name in the legend', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), async (n, len, logY) => {
      const series = Array.from({ length: n }, (_, s) => ({
        name: `run ${s}`, x: Array.from({ length: len }, (_, i) => i), y: Array.from({ length: len }, (_, i) => 1 + s + Math.exp(-i)),
      }));
      const svg = parseSvg(await lineChartSvg(series, { title: 'loss curves', xLabel: 'step', yLabel: 'loss', logY }));
      expect(markItems(svg, 'line').flat()).toHaveLength(n);
      expect(texts(svg)).toEqual(expect.arrayContaining(['loss curves', 'step', 'loss', ...series.map((s) => s.name)]));
    }), { numRuns: 4 });
  });

  it('rejects empty input, length mismatches, repeated names, non-finite and non-positive log values', async () => {
    const opts = { title: 't', xLabel: 'x', yLabel: 'y' };
    await expect(lineChartSvg([], opts)).rejects.toThrow(/series must not be empty/);
    await expect(lineChartSvg([{ name: 'a', x: [], y: [] }], opts)).rejects.toThrow(/series 'a': x must not be empty/);
    await expect(lineChartSvg([{ name: 'a', x: [1, 2], y: [1] }], opts)).rejects.toThrow(/series 'a': x and y must have the same length, got 2 and 1/);
    await expect(lineChartSvg([{ name: 'a', x: [1], y: [1] }, { name: 'a', x: [1], y: [2] }], opts)).rejects.toThrow(/'a' repeats/);
    await expect(lineChartSvg([{ name: 'a', x: [1, 2], y: [1, Infinity] }], opts)).rejects.toThrow(/y\[1\] must be a finite number, got Infinity/);
    await expect(lineChartSvg([{ name: 'a', x: [1, 2], y: [1, 0] }], { ...opts, logY: true })).rejects.toThrow(/y\[1\] must be > 0 on a log axis/);
  });
});

describe('barChartSvg', () => {
  it('draws one bar per row, grouped', async () => {
    const rows = ['DIFF', 'baseline'].flatMap((group, g) => ['answer', 'noise'].map((series, s) => ({ group, series, value: 0.1 + g + s })));
    const svg = parseSvg(await barChartSvg(rows, { title: 'attention share', yLabel: 'share' }));
    expect(markItems(svg, 'rect').flat()).toHaveLength(rows.length);
    expect(texts(svg)).toEqual(expect.arrayContaining(['attention share', 'share', 'DIFF', 'baseline', 'answer', 'noise']));
  });

  it('rejects no rows, non-finite values and repeated (group, series)', async () => {
    const opts = { title: 't', yLabel: 'y' };
    await expect(barChartSvg([], opts)).rejects.toThrow(/rows must not be empty/);
    await expect(barChartSvg([{ group: 'g', series: 's', value: NaN }], opts)).rejects.toThrow(/value\[0\] must be a finite number, got NaN/);
    await expect(barChartSvg([{ group: 'g', series: 's', value: 1 }, { group: 'g', series: 's', value: 2 }], opts)).rejects.toThrow(/\('g', 's'\) repeats/);
  });
});
