// The wasm kernel in Chromium against Node, alternating in one run: rWW + FIC + BOLD on HCP
// Schaefer-100 (bench/rww-setup.ts's workload), marginal node-steps per wall second (N against
// N/5 steps). The page (bench/browser/wasm-entry.ts) is bundled with esbuild and served with
// COOP/COEP like the browser smoke test (scripts/test-runtimes.mjs); the network comes from Node.
// Run: node scripts/run-ts.mjs bench/browser-wasm.bench.ts
//   (BROWSER_BENCH_LANES=64, BROWSER_BENCH_THREADS=2, BROWSER_BENCH_DELAYS=0, BROWSER_BENCH_ROUNDS=5,
//   BROWSER_BENCH_WORK=4e7 node-steps per long run; CHROMIUM=/usr/bin/chromium)
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
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

const outDir = join(root, "build", "browser-bench");
mkdirSync(outDir, { recursive: true });
const esbuild = await import("esbuild");
await esbuild.build({
  entryPoints: [join(root, "bench", "browser", "wasm-entry.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outfile: join(outDir, "entry.js"),
  external: ["node:*", "webgpu"],
  logLevel: "warning",
});
const headers = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cache-Control": "no-store",
};
const MIME: Record<string, string> = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path === "/") {
    res.writeHead(200, { ...headers, "Content-Type": "text/html" });
    res.end(`<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/entry.js"></script>`);
    return;
  }
  // Built-in kernels are fetched from ./wasm/ beside the bundle (src/backends/wasm/modules.ts).
  const base = path.startsWith("/wasm/") ? join(root, "dist") : outDir;
  const file = join(base, path.replace(/^\/+/, ""));
  if (!file.startsWith(base) || !existsSync(file)) {
    res.writeHead(404, headers);
    res.end("not found");
    return;
  }
  res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file)] ?? "application/octet-stream" });
  res.end(readFileSync(file));
});
await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
const { chromium } = await import("playwright-core");
const browser = await chromium.launch({
  executablePath,
  headless: false,
  args: ["--headless=new", "--no-sandbox", "--disable-quic", "--disable-background-networking", "--disable-dev-shm-usage"],
  timeout: 60_000,
});
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.log(`  [browser pageerror] ${e.message}`));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => document.title === "ready", null, { timeout: 30_000 });
  const args = {
    network: {
      weights: Array.from(network.weights as ArrayLike<number>),
      ...("lengths" in network && network.lengths ? { lengths: Array.from(network.lengths as ArrayLike<number>), speed: 6 } : {}),
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
  server.close();
}
