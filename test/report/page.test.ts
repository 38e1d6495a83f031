// The browser page (examples/browser/): built with esbuild, served with its static server,
// opened in Debian's Chromium, it completes a small fit (HCP Schaefer-100, SupHopf, CMA-ES) on
// WASM and on WebGPU (Chromium's SwiftShader adapter here), drawing convergence and both
// 100 × 100 FC heatmaps; its best cost equals the SDK's optimize() of the same config and seed in Node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { resolve } from "node:path";
import type { Browser } from "playwright-core";
import { runsFromConfig } from "../../src/fit/config.ts";
import { optimize } from "../../src/fit/run.ts";
import { buildConfig, type PageChoices } from "../../examples/browser/presets.ts";
// @ts-expect-error: plain ES modules without type declarations
import { buildPage } from "../../examples/browser/build.mjs";
// @ts-expect-error: plain ES modules without type declarations
import { startServer } from "../../examples/browser/serve.mjs";
import { hasChromium, launch, openPage } from "./chromium.ts";

const BASE: PageChoices = {
  connectome: "hcp-group",
  model: "SupHopf",
  free: [{ name: "G", bounds: [0.001, 0.1] }, { name: "a", bounds: [-0.3, -0.005] }],
  popsize: 4,
  generations: 3,
  duration: 4,
  seed: 1,
};
/** SwiftShader runs WGSL on the CPU, ~8× slower than WASM here: a shorter fit for WebGPU. */
const CHOICES = { wasm: BASE, webgpu: { ...BASE, generations: 2, duration: 1 } };
const query = (c: PageChoices) =>
  `connectome=${c.connectome}&model=${c.model}&free=${
    c.free.map((f) => f.name).join(",")
  }&popsize=${c.popsize}&generations=${c.generations}&duration=${c.duration}&seed=${c.seed}&autostart=1`;
/**
 * Tolerance on the best cost (−fc_corr) against Node's WASM run. Same seeds give the same noise
 * on every backend; what differs is f32 rounding (Chromium picks WASM relaxed SIMD with fused
 * multiply-add, Node plain SIMD; SwiftShader's WGSL arithmetic): measured differences are 2e-9
 * (WASM) and 5e-10 (WebGPU). Any other noise draw or parameter gives an FC correlation that
 * differs by > 1e-3, so these bounds keep that margin.
 */
const TOL = { wasm: 1e-6, webgpu: 1e-4 };

interface PageResult {
  done: boolean;
  error: string | null;
  backendInfo: string;
  bestCost: number;
  params: Record<string, number>;
  points: number;
  fcRects: number;
  evaluations: number;
}

describe.runIf(hasChromium)("browser page", () => {
  let server: Server;
  let browser: Browser;
  const nodeBest = { wasm: NaN, webgpu: NaN };
  const shots = resolve("out/report");

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    await buildPage();
    server = await startServer(0);
    browser = await launch();
    for (const b of ["wasm", "webgpu"] as const) {
      const [run] = await runsFromConfig(buildConfig(CHOICES[b]), { datasets: { dataDir: "data" } });
      nodeBest[b] = (await optimize(run!.optimizer, run!.problem, { backend: "wasm" })).best!.cost;
    }
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function fitOnPage(backend: "wasm" | "webgpu", png: string): Promise<{ r: PageResult; errors: string[] }> {
    const { page, errors } = await openPage(browser, { width: 1100, height: 900 });
    try {
      const port = (server.address() as { port: number }).port;
      await page.goto(
        `http://127.0.0.1:${port}/?${query(CHOICES[backend])}&backend=${backend}${backend === "webgpu" ? "&software-gpu=1" : ""}`,
      );
      await page.waitForFunction(
        () => {
          const s = (globalThis as { __brainfitPage?: { done: boolean; error: string | null } }).__brainfitPage;
          return s && (s.done || s.error !== null);
        },
        null,
        { timeout: 280_000 },
      );
      const r = await page.evaluate(() => {
        // deno-lint-ignore no-explicit-any
        const s = (globalThis as any).__brainfitPage;
        return {
          done: s.done,
          error: s.error,
          backendInfo: s.backendInfo,
          bestCost: s.last?.bestCost,
          params: s.last?.bestParams,
          evaluations: s.last?.evaluations,
          points: document.querySelectorAll("#convergence g.mark-symbol.role-mark > path").length,
          fcRects: document.querySelectorAll("#fc g.mark-rect.role-mark > path").length,
        };
      });
      await page.screenshot({ path: `${shots}/${png}`, fullPage: true });
      return { r, errors };
    } finally {
      await page.close();
    }
  }

  it("completes a small fit on WASM; best cost equals the Node run of the same problem and seed", async () => {
    const { r, errors } = await fitOnPage("wasm", "page-wasm.png");
    expect(r.error).toBeNull();
    expect(errors).toEqual([]);
    expect(r.backendInfo).toMatch(/^WASM/);
    expect(r.evaluations).toBe(12);
    expect(r.points).toBe(6); // best so far + generation median, 3 generations
    expect(r.fcRects).toBe(2 * 100 * 100);
    console.log(`page (wasm): best cost ${r.bestCost}, Node (wasm) ${nodeBest.wasm}; ${r.backendInfo}`);
    expect(Math.abs(r.bestCost - nodeBest.wasm)).toBeLessThanOrEqual(TOL.wasm);
  }, 300_000);

  it("a dropped .npy SC is read by the io module and fitted: same best cost as Node with that SC inline", async () => {
    const { loadSc } = await import("../../src/datasets/index.ts");
    const { writeNpy } = await import("../../src/io/npy.ts");
    // Subject 100206's SC as a user's float32 .npy (100 × 100; the page max-normalises it), fitted
    // against the group FC.
    const sc = await loadSc("strength", "schaefer-100", "100206", { dataDir: "data" });
    const f32 = Float32Array.from(sc.data);
    const npy = writeNpy({ dtype: "float32", shape: [100, 100], data: f32 });
    const rows = Array.from({ length: 100 }, (_, i) => Array.from(f32.subarray(i * 100, i * 100 + 100)));
    const choices: PageChoices = { ...BASE, generations: 1, duration: 1, customWeights: rows };
    const [run] = await runsFromConfig(buildConfig(choices), { datasets: { dataDir: "data" } });
    const expected = (await optimize(run!.optimizer, run!.problem, { backend: "wasm" })).best!.cost;

    const { page, errors } = await openPage(browser, { width: 1100, height: 900 });
    try {
      const port = (server.address() as { port: number }).port;
      await page.goto(`http://127.0.0.1:${port}/?${query(choices).replace("&autostart=1", "")}&backend=wasm`);
      const drop = async (name: string, bytes: number[]) => {
        const dt = await page.evaluateHandle(({ name, bytes }) => {
          const d = new DataTransfer();
          d.items.add(new File([new Uint8Array(bytes)], name));
          return d;
        }, { name, bytes });
        await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
      };
      // A non-square array is refused with a message naming the file and the shape.
      await drop("bad.npy", Array.from(writeNpy({ dtype: "float64", shape: [3, 4], data: new Float64Array(12) })));
      await page.waitForFunction(() => document.getElementById("error")!.textContent !== "");
      expect(await page.textContent("#error")).toContain("bad.npy: expected a square n × n SC matrix, got shape (3, 4)");
      await drop("my_sc.npy", Array.from(npy));
      await page.waitForFunction(() => document.getElementById("drop")!.textContent!.startsWith("SC from"));
      expect(await page.textContent("#drop")).toContain("SC from my_sc.npy: 100 × 100");
      await page.click("#fit");
      await page.waitForFunction(
        () => {
          const s = (globalThis as { __brainfitPage?: { done: boolean; error: string | null } }).__brainfitPage;
          return s && (s.done || s.error !== null);
        },
        null,
        { timeout: 280_000 },
      );
      const r = await page.evaluate(() =>
        (globalThis as unknown as { __brainfitPage: { error: string | null; last: { bestCost: number } } }).__brainfitPage
      );
      expect(r.error).toBeNull();
      expect(errors).toEqual([]);
      expect(Math.abs(r.last.bestCost - expected)).toBeLessThanOrEqual(TOL.wasm);
    } finally {
      await page.close();
    }
  }, 300_000);

  it("completes the same fit on WebGPU (SwiftShader); best cost within the cross-backend tolerance", async () => {
    const { r, errors } = await fitOnPage("webgpu", "page-webgpu.png");
    expect(r.error).toBeNull();
    expect(errors).toEqual([]);
    expect(r.backendInfo).toMatch(/WebGPU/i);
    expect(r.fcRects).toBe(2 * 100 * 100);
    console.log(`page (webgpu): best cost ${r.bestCost}, Node (wasm) ${nodeBest.webgpu}; ${r.backendInfo}`);
    expect(r.evaluations).toBe(8);
    expect(Math.abs(r.bestCost - nodeBest.webgpu)).toBeLessThanOrEqual(TOL.webgpu);
  }, 300_000);
});
