// The wasm kernel in Chromium against Node, alternating in one run: rWW + FIC + BOLD on HCP
// Schaefer-100 (bench/rww-setup.ts's workload), marginal node-steps per wall second (N against
// N/5 steps). The page (bench/browser/wasm-entry.ts) is bundled and served cross-origin isolated
// by scripts/isolated-page.mjs, as for the browser smoke test; the network comes from Node.
// Run: node scripts/run-ts.mjs bench/browser-wasm.bench.ts
//   (BROWSER_BENCH_LANES=64, BROWSER_BENCH_THREADS=2, BROWSER_BENCH_DELAYS=0, BROWSER_BENCH_ROUNDS=5,
//   BROWSER_BENCH_WORK=4e7 node-steps per long run; CHROMIUM=/usr/bin/chromium)
import { existsSync } from "node:fs";
import { join } from "node:path";
// @ts-expect-error: a plain .mjs script without types (shared with scripts/test-runtimes.mjs)
import { CHROMIUM_ARGS, serveIsolatedPage } from "../scripts/isolated-page.mjs";
import { hcpSchaefer100Input } from "./native.ts";
import { ficWIE, simulateRwwBold } from "./rww-setup.ts";
import { marginalRate } from "./timing.ts";

const root = process.cwd();
const lanes = Number(process.env.BROWSER_BENCH_LANES ?? 64);
const threads = Number(process.env.BROWSER_BENCH_THREADS ?? 2);
const delays = process.env.BROWSER_BENCH_DELAYS !== "0";
const rounds = Number(process.env.BROWSER_BENCH_ROUNDS ?? 5);
const work = Number(process.env.BROWSER_BENCH_WORK ?? 4e7);
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(executablePath)) throw new Error(`${executablePath} not found (scripts/install-system.sh installs Debian's chromium)`);

const withDelays = hcpSchaefer100Input(6);
const network = delays ? withDelays : { weights: withDelays.weights };
const wIE = ficWIE(network);
const n = wIE.length;
const steps = Math.max(100, Math.round(work / (lanes * n)));

const site = await serveIsolatedPage({
  root,
  entry: join(root, "bench", "browser", "wasm-entry.ts"),
  outDir: join(root, "build", "browser-bench"),
  title: "loading",
});
const { chromium } = await import("playwright-core");
const browser = await chromium.launch({
  executablePath,
  headless: false,
  args: CHROMIUM_ARGS,
  timeout: 60_000,
});
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.log(`  [browser pageerror] ${e.message}`));
  await page.goto(site.url);
  await page.waitForFunction(() => document.title === "ready", null, { timeout: 30_000 });
  const args = {
    network: {
      weights: Array.from(network.weights as ArrayLike<number>),
      ...("lengths" in network && network.lengths
        ? { lengths: Array.from(network.lengths as ArrayLike<number>), speed: network.speed }
        : {}),
    },
    wIE: Array.from(wIE),
    lanes,
    threads,
    steps,
  };
  type PageRate = { wall: number; info: string };
  const inPage = (a: typeof args) =>
    page.evaluate((x) => (globalThis as unknown as { brainfitBench(a: unknown): Promise<PageRate> }).brainfitBench(x), a);
  const inNode = () => marginalRate((k) => simulateRwwBold({ network, wIE, lanes, steps: k, threads }), steps, lanes * n);
  // Warm-up: kernels compiled and cached on both sides.
  const warm = await inPage({ ...args, steps: 50 });
  const nodeInfo = (await simulateRwwBold({ network, wIE, lanes, steps: 50, threads })).backendInfo;
  console.log(
    `browser wasm bench: rWW + FIC + BOLD, HCP-100${
      delays ? " with delays" : ", no delays"
    }, ${lanes} lanes, ${threads} threads, ${steps} steps per long run, ${rounds} rounds`,
  );
  console.log(`  Chromium ${browser.version()}: ${warm.info}`);
  console.log(`  Node ${process.version}: ${nodeInfo}`);
  // One untimed round each: the first marginal pair in Node came out 2–8× too high (its short
  // run still paid a start-up that the long run did not).
  await inNode();
  await inPage(args);
  console.log("| round | Node (node-steps/s, wall) | Chromium | Chromium ÷ Node |");
  console.log("|---|---|---|---|");
  for (let r = 0; r < rounds; r++) {
    const a = await inNode();
    const b = await inPage(args);
    console.log(`| ${r + 1} | ${a.wall.toExponential(2)} | ${b.wall.toExponential(2)} | ${(b.wall / a.wall).toFixed(2)} |`);
  }
} finally {
  await browser.close().catch(() => {});
  site.close();
}
