// The HTML report: `brainfit fit --quickstart` writes it and prints its path; `brainfit report`
// works on example 5's run folders (NSGA-II + Nelder–Mead, 84 regions, peak frequencies); both
// reports open in Debian's Chromium from file:// with no console errors, every figure holds a
// non-empty SVG with the number of marks its data imply, and PNG screenshots go to out/report/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { runCli } from "../cli/run-cli.ts";
import { runHopfPareto } from "../../examples/hopf-pareto-dk84.ts";
import { readRunFolder, runFigures } from "../../src/report/index.ts";
import { parseCsv } from "../../src/report/read.ts";
import { hasChromium, launch, openPage } from "./chromium.ts";

const tmp = mkdtempSync(join(tmpdir(), "brainfit-report-"));
const shots = resolve("out/report");
mkdirSync(shots, { recursive: true });

/** Marks per figure as the page shows them: Vega draws each data mark as one path (or line) in a g.mark-<type>.role-mark group. */
async function figureMarks(file: string, png: string, width: number) {
  const browser: Browser = await launch();
  try {
    const { page, errors } = await openPage(browser, { width, height: 1000 });
    await page.goto(pathToFileURL(file).href);
    const figures = await page.$$eval("figure.fig", (fs) =>
      fs.map((f) => {
        const svg = f.querySelector("svg");
        const expected = (f.getAttribute("data-marks") ?? "").split(" ").filter(Boolean).map((m) => m.split(":"));
        return {
          id: f.getAttribute("data-figure")!,
          svgBox: svg ? [svg.getBoundingClientRect().width, svg.getBoundingClientRect().height] : [0, 0],
          marks: expected.map(([type, n]) => ({
            type: type!,
            expected: Number(n),
            drawn: f.querySelectorAll(`g.mark-${type}.role-mark > path, g.mark-${type}.role-mark > line`).length,
          })),
        };
      }));
    await page.screenshot({ path: png, fullPage: true });
    return { figures, errors };
  } finally {
    await browser.close();
  }
}

describe("report", () => {
  let quickstartDir = "";
  let quickstartOut = "";
  const ex5 = join(tmp, "ex5");

  beforeAll(async () => {
    // The real quickstart (about 15 s on 2 idle cores): the report is written at its end.
    const r = await runCli(["fit", "--quickstart", "--out", join(tmp, "fit"), "--backend", "wasm"]);
    expect(r.code, r.err).toBe(0);
    quickstartOut = r.out;
    quickstartDir = join(tmp, "fit", "quickstart", "cmaes_run-0");
    await runHopfPareto(false, ex5, "wasm");
  }, 300_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("brainfit fit --quickstart ends by writing report.html and printing its path", () => {
    const path = join(quickstartDir, "report.html");
    expect(quickstartOut).toContain(`report: ${path}\n`);
    const html = readFileSync(path, "utf8");
    // Self-contained: inline SVG, no scripts, no links to load.
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });

  it("figures agree with what the fit scored: FC scatter r is the best candidate's +fc_corr", async () => {
    const run = await readRunFolder(quickstartDir);
    const best = run.best!.best!;
    expect(run.simFc).toHaveLength(100 * 100);
    expect(run.empFc).toHaveLength(100 * 100);
    const scatter = runFigures(run).find((f) => f.id === "fc-scatter")!;
    const r = Number(/r = (-?[\d.]+)/.exec(scatter.title)![1]);
    expect(Math.abs(r - best.terms["+fc_corr"]!)).toBeLessThan(1e-3);
    // Convergence: the last best-so-far point is the best cost.
    const conv = parseCsv(readFileSync(join(quickstartDir, "convergence.csv"), "utf8"));
    expect(conv.num.best_cost!.at(-1)).toBeCloseTo(best.cost, 12);
  });

  it("brainfit report on example 5's folders: Pareto front, hypervolume, peak frequencies for every run", async () => {
    const out = join(tmp, "ex5.html");
    const r = await runCli(["report", ex5, "--out", out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`report: ${out} (3 runs)`);
    const nsga = await readRunFolder(join(ex5, "hopf-dk84", "nsga2_run-0"));
    const ids = runFigures(nsga).map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining(["convergence", "gof-terms", "status", "fc", "fc-scatter", "pareto", "hypervolume", "psd-peaks"]),
    );
    // Peak frequencies recomputed from x.npy give the fit's psd_mae.
    const psd = runFigures(nsga).find((f) => f.id === "psd-peaks")!;
    const mae = Number(/MAE = ([\d.]+)/.exec(psd.title)![1]);
    expect(Math.abs(mae - nsga.best!.best!.terms["-psd_mae"]!)).toBeLessThan(0.01);
  });

  it("the SDK core does not depend on the plotting library (the report is its own entry point)", async () => {
    const { build } = await import("esbuild");
    const r = await build({
      entryPoints: ["src/index.ts"],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "neutral",
      external: ["node:*", "webgpu"],
      logLevel: "silent",
    });
    const inputs = Object.keys(r.metafile!.inputs);
    expect(inputs.some((f) => f.startsWith("src/fit/"))).toBe(true);
    expect(inputs.filter((f) => /node_modules\/vega|src\/report\//.test(f))).toEqual([]);
  });

  it("bad input: a folder without runs is a usage error naming it", async () => {
    const r = await runCli(["report", tmp + "/nothing-here"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("does not exist");
  });

  it.runIf(hasChromium)(
    "both reports open in Chromium with no console errors; every figure holds its marks (100 × 100 FC cells per heatmap)",
    async () => {
      const qs = await figureMarks(join(quickstartDir, "report.html"), join(shots, "report-quickstart.png"), 1400);
      expect(qs.errors).toEqual([]);
      const fc = qs.figures.find((f) => f.id === "fc")!;
      expect(fc.marks).toEqual([{ type: "rect", expected: 2 * 100 * 100, drawn: 2 * 100 * 100 }]);
      const ex = await figureMarks(join(tmp, "ex5.html"), join(shots, "report-example5.png"), 3 * 760);
      expect(ex.errors).toEqual([]);
      expect(ex.figures.filter((f) => f.id === "pareto")).toHaveLength(1);
      expect(ex.figures.filter((f) => f.id === "fc")).toHaveLength(3);
      for (const f of [...qs.figures, ...ex.figures]) {
        expect(f.svgBox[0], f.id).toBeGreaterThan(100);
        expect(f.svgBox[1], f.id).toBeGreaterThan(50);
        for (const m of f.marks) {
          expect(m.expected, `${f.id} ${m.type}`).toBeGreaterThan(0);
          expect(m.drawn, `${f.id} ${m.type}`).toBe(m.expected);
        }
      }
      expect(existsSync(join(shots, "report-quickstart.png"))).toBe(true);
    },
    300_000,
  );
});
