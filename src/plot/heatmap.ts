/**
 * Heatmaps of matrices (attention maps and their difference): one panel per matrix, several side by
 * side, each with its own colour scale and legend. Signed data (`diverging`) gets a diverging scheme
 * whose domain is symmetric about 0, so white always means 0 and equal magnitudes get equal colours.
 */
import type { ColorScheme } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { check } from '../errors.js';
import { checkCount, checkFinite, checkNonEmpty } from './check.js';
import { renderSvg } from './render.js';

type ConcatPanel = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];
/** A single chart with its own data: renderable alone and usable as a panel of a concatenation. */
export type UnitChart = Extract<TopLevelSpec, { mark: unknown }> & ConcatPanel;

/** One matrix to draw, row-major. */
export interface HeatmapPanel {
  title: string;
  /** rows · cols values, row-major. */
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Tick labels (e.g. tokens); default the indices. */
  rowLabels?: string[];
  colLabels?: string[];
  /** Signed data: a diverging scheme with a domain symmetric about 0. */
  diverging?: boolean;
  /** Unsigned data: start the colour domain at 0 (probabilities), not at the smallest value. */
  zero?: boolean;
  /**
   * Draw only the cells with col ≤ row (a causal attention map over the same positions); the
   * others are masked, so they are neither drawn nor checked.
   */
  causal?: boolean;
}

/** How panels look. */
export interface HeatmapStyle {
  /** Axis titles; default none. */
  xLabel?: string;
  yLabel?: string;
  /** vega colour scheme of unsigned panels; default 'viridis'. */
  scheme?: ColorScheme;
  /** vega colour scheme of diverging panels; default 'blueorange' (negative blue, positive orange). */
  divergingScheme?: ColorScheme;
  /** Pixels per cell; default the largest that keeps a panel within 360 px, in [2, 24]. */
  cellSize?: number;
}

/** Options of a row of panels. */
export interface HeatmapOptions extends HeatmapStyle {
  /** Title above all panels. */
  title?: string;
  subtitle?: string;
}

/** The vega-lite spec of one panel: a rect per drawn cell, coloured by its value. */
export function heatmapSpec(panel: HeatmapPanel, style: HeatmapStyle = {}): UnitChart {
  const who = `heatmap '${panel.title}'`;
  checkPanel(who, panel);
  const { rows, cols, values } = panel;
  const data: Array<{ r: number; c: number; v: number }> = [];
  let maxAbs = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < (panel.causal ? Math.min(r + 1, cols) : cols); c++) {
      const v = values[r * cols + c];
      check(Number.isFinite(v), 'value', () => `${who}: values[${r * cols + c}] (row ${r}, col ${c}) must be a finite number, got ${v}`);
      data.push({ r, c, v });
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
  }
  const cell = style.cellSize ?? Math.min(24, Math.max(2, Math.floor(360 / Math.max(rows, cols))));
  checkCount(who, 'cellSize', cell);
  // An all-zero signed matrix still needs a non-empty domain.
  const half = maxAbs > 0 ? maxAbs : 1;
  return {
    title: panel.title,
    width: cols * cell,
    height: rows * cell,
    data: { values: data },
    // No per-cell accessibility labels: they would triple the size of a large map's SVG.
    mark: { type: 'rect', aria: false },
    encoding: {
      x: { field: 'c', type: 'ordinal', title: style.xLabel ?? null, scale: { domain: range(cols) }, axis: axis(panel.colLabels) },
      y: { field: 'r', type: 'ordinal', title: style.yLabel ?? null, scale: { domain: range(rows) }, axis: axis(panel.rowLabels) },
      color: {
        field: 'v', type: 'quantitative', title: null,
        scale: panel.diverging ? { scheme: style.divergingScheme ?? 'blueorange', domain: [-half, half] } : { scheme: style.scheme ?? 'viridis', zero: panel.zero ?? false },
        legend: { orient: 'bottom', direction: 'horizontal', gradientLength: Math.max(80, Math.min(200, cols * cell)) },
      },
    },
  };
}

/** Panels side by side (each its own colour scale and legend) as one SVG document. */
export async function heatmapsSvg(panels: HeatmapPanel[], opts: HeatmapOptions = {}): Promise<string> {
  checkNonEmpty('heatmapsSvg', 'panels', panels);
  const { title, subtitle, ...style } = opts;
  return renderSvg({
    ...(title !== undefined ? { title: subtitle !== undefined ? { text: title, subtitle } : title } : {}),
    hconcat: panels.map((p) => heatmapSpec(p, style)),
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  });
}

function checkPanel(who: string, p: HeatmapPanel): void {
  checkCount(who, 'rows', p.rows);
  checkCount(who, 'cols', p.cols);
  check(p.values.length === p.rows * p.cols, 'shape', () => `${who}: values must hold rows · cols = ${p.rows * p.cols} numbers, got ${p.values.length}`);
  for (const [what, labels, n] of [['rowLabels', p.rowLabels, p.rows], ['colLabels', p.colLabels, p.cols]] as const) {
    check(labels === undefined || labels.length === n, 'shape', () => `${who}: ${what} must hold ${n} labels, got ${labels!.length}`);
  }
  if (!p.causal) checkFinite(who, 'values', p.values);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// The domain values are indices (labels such as tokens repeat, and an ordinal domain must not);
// the labels are looked up by index in an array literal of the label expression.
function axis(labels: string[] | undefined): { labelExpr?: string; labelOverlap: boolean; labelLimit: number } {
  return { ...(labels ? { labelExpr: `${JSON.stringify(labels)}[datum.value]` } : {}), labelOverlap: true, labelLimit: 90 };
}
