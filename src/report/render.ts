// Vega-Lite spec → SVG text with Vega's headless renderer (no DOM, no canvas: Node, Deno, Bun).
// Text widths are estimated without a canvas, which is fine for axis labels.
import { parse, version as vegaVersion, View } from "vega";
import { compile, version as vegaLiteVersion } from "vega-lite";
import type { VlSpec } from "./figures.ts";

export const PLOT_LIBRARY = `Vega ${vegaVersion} + Vega-Lite ${vegaLiteVersion}`;

/** Shared look: small fonts, no chart border, labels readable at report scale. */
const CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  view: { stroke: null },
  axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridColor: "#eee" },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  title: { fontSize: 12, fontWeight: 600 },
};

export async function renderSvg(spec: VlSpec): Promise<string> {
  const vg = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as never).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
