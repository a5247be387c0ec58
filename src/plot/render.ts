/**
 * The one place that turns a vega-lite spec into SVG text: vega-lite compiles it to a vega spec and
 * a headless vega view (renderer 'none': no canvas, no DOM) serialises it. vega and vega-lite are
 * loaded on the first call, so importing the plot module costs a command nothing until it draws.
 */
import type { TopLevelSpec } from 'vega-lite';

type Libraries = [typeof import('vega'), typeof import('vega-lite')];
let libraries: Promise<Libraries> | null = null;

/** Renders `spec` to a standalone SVG document (white background). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, vegaLite] = await libraries;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
