/**
 * Charts as SVG text through vega-lite (heatmaps, line charts, grouped bars), rendered headless in
 * Node. Only the CLI and the lab import this: nothing the engine's browser build needs depends on vega.
 */
export { renderSvg } from './render.js';
export { heatmapSpec, heatmapsSvg, type HeatmapOptions, type HeatmapPanel, type HeatmapStyle, type UnitChart } from './heatmap.js';
export { lineChartSvg, type LineChartOptions, type LineSeries } from './line-chart.js';
export { barChartSvg, type BarChartOptions, type BarRow } from './bar-chart.js';
