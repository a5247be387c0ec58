/**
 * Heatmaps: well-formed SVG with one rect per drawn cell (rows·cols, or rows(rows+1)/2 for a
 * causal square panel), the titles and tick labels written, and a diverging panel's colour domain
 * symmetric about 0 (its legend's end labels are ±max|v|).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heatmapSpec, heatmapsSvg, type HeatmapPanel } from '../../src/plot/index.js';
import { expectDiffAttnError } from '../support/errors.js';
import { markItems, parseSvg, texts } from './svg.js';

const panel = (rows: number, cols: number, extra: Partial<HeatmapPanel> = {}): HeatmapPanel => ({
  title: `p${rows}x${cols}`, rows, cols, values: Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i + 1)), ...extra,
});

describe('heatmapsSvg', () => {
  it('draws one cell per value in each panel, with every title', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 6 }), diverging: fc.boolean() }), { minLength: 1, maxLength: 3 }),
      async (shapes) => {
        const panels = shapes.map((s, i) => ({ ...panel(s.rows, s.cols, { diverging: s.diverging }), title: `panel ${i}` }));
        const svg = parseSvg(await heatmapsSvg(panels, { title: 'all panels' }));
        expect(markItems(svg, 'rect').map((cells) => cells.length)).toEqual(shapes.map((s) => s.rows * s.cols));
        expect(texts(svg)).toEqual(expect.arrayContaining(['all panels', ...panels.map((p) => p.title)]));
      }), { numRuns: 5 });
  });

  it('draws only the causal triangle, with token labels escaped', async () => {
    const labels = ['a"b', '<e&>', '␣x', "it's"];
    const svg = parseSvg(await heatmapsSvg([panel(4, 4, { causal: true, rowLabels: labels, colLabels: labels })], { title: 'T & "λ"' }));
    // 1 + 2 + 3 + 4 cells of the lower triangle.
    expect(markItems(svg, 'rect')[0]).toHaveLength(10);
    const t = texts(svg);
    expect(t).toContain('T & "λ"');
    // Each label twice: once on the x axis, once on the y axis.
    for (const l of labels) expect(t.filter((s) => s === l)).toHaveLength(2);
  });

  it('gives a diverging panel a colour domain symmetric about 0', () => {
    const spec = heatmapSpec({ title: 'd', rows: 1, cols: 3, values: [0.1, -0.4, 0.25], diverging: true });
    const color = (spec.encoding as { color: { scale: { domain: number[] } } }).color;
    expect(color.scale.domain).toEqual([-0.4, 0.4]);
  });

  it('rejects wrong sizes, non-finite values, bad labels and no panels', async () => {
    await expect(heatmapsSvg([])).rejects.toThrow(/panels must not be empty/);
    expectDiffAttnError(() => heatmapSpec({ ...panel(2, 2), values: [1, 2, 3] }), 'shape', /values must hold rows · cols = 4 numbers, got 3/);
    expectDiffAttnError(() => heatmapSpec({ ...panel(2, 2), values: [1, NaN, 3, 4] }), 'value', /values\[1\] must be a finite number, got NaN/);
    expectDiffAttnError(() => heatmapSpec(panel(2, 2, { rowLabels: ['a'] })), 'shape', /rowLabels must hold 2 labels, got 1/);
    expectDiffAttnError(() => heatmapSpec(panel(0, 2)), 'value', /rows must be a positive integer, got 0/);
    // A causal panel does not look above the diagonal, but checks what it draws.
    expect(() => heatmapSpec(panel(2, 2, { causal: true, values: [1, NaN, 3, 4] }))).not.toThrow();
    expectDiffAttnError(() => heatmapSpec(panel(2, 2, { causal: true, values: [1, 0, Infinity, 4] })), 'value', /row 1, col 0/);
  });
});
