// Deno smoke test of the report's plotting: Vega-Lite → SVG with Vega's headless renderer runs
// under Deno (no DOM, no canvas). Node runs it in test/report; Bun was checked by hand (docs/report.md).
import assert from "node:assert/strict";
import { renderSvg } from "../../src/report/render.ts";

const { Deno } = globalThis as unknown as {
  Deno: { test(name: string, fn: () => void | Promise<void>): void };
};

Deno.test("report: a 12 × 12 heatmap renders to SVG with 144 rect marks", async () => {
  const values = [];
  for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) values.push({ i, j, r: Math.cos(i - j) });
  const svg = await renderSvg({
    data: { values },
    mark: "rect",
    width: 120,
    height: 120,
    encoding: { x: { field: "j", type: "ordinal" }, y: { field: "i", type: "ordinal" }, color: { field: "r", type: "quantitative" } },
  });
  assert.match(svg, /^<svg/);
  const group = svg.slice(svg.indexOf('class="mark-rect role-mark'));
  const rects = group.slice(0, group.indexOf("</g>")).match(/<path/g) ?? [];
  assert.equal(rects.length, 144);
});
