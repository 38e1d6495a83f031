// The edge example for real: examples/edge/worker.ts bundled (brainfit from its built dist/ via
// the package exports, kernels and data as bundle-time imports) and served by workerd from npm
// on 127.0.0.1, where compiling WebAssembly and `new Function` are both disallowed. Its GOF
// terms are checked against this Node process running the same problem (the quickstart: SupHopf
// on the bundled HCP group connectome) with the same seed:
//  - backend reference: workerd evaluates closure trees, Node generated code, both float64 with
//    the same operations in the same order, so the terms must be equal bit for bit;
//  - backend wasm: the same f32 kernels (workerd picks the relaxed-SIMD build, Node 20 cannot),
//    within FC_TOL of the float64 reference (measured: |Δ| ≤ 1.3e-8 on this problem, f32
//    rounding; FC_TOL = 1e-6). A wrong input moves the terms far more: a different noise seed
//    changes them by 4.7e-4 … 1.3e-2, > 100 · FC_TOL (asserted below).
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUICKSTART_CONFIG } from "../../src/fit/quickstart.ts";
import { type FitConfig, problemsFromConfig } from "../../src/fit/config.ts";
import { evaluateBatch } from "../../src/fit/evaluate.ts";
import { simulate } from "../../src/sim/simulate.ts";
import { typescriptStatsBackend } from "../../src/stats/backend.ts";
import { type FhnRequest, fhnSimulation } from "../../examples/edge/fhn-problem.ts";
import { f32Tolerance } from "../spine/crossbackend.ts";
import { runCli } from "../cli/run-cli.ts";

const root = join(import.meta.dirname, "..", "..");
/** |Δ fc_corr| allowed between the f32 kernels and the float64 reference on a 2-s run. */
const FC_TOL = 1e-6;
const DURATION = 2; // s (the quickstart removes the first 1 s)
const SEED = 3;
const PARAMS = [[0.02, -0.05], [0.06, -0.02], [0.09, -0.2]];

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

interface Served {
  url: string;
  log: () => string;
  stop: () => void;
}

/** Bundle an edge worker with examples/edge/build.mjs and serve it with workerd on 127.0.0.1. */
async function serve(entry: string, outDir: string): Promise<Served> {
  // @ts-expect-error: a plain .mjs build script without types
  const { buildEdgeWorker } = await import("../../examples/edge/build.mjs");
  const port = await freePort();
  const { config } = await buildEdgeWorker({ entry, outDir, port });
  const child: ChildProcess = spawn(join(root, "node_modules", ".bin", "workerd"), ["serve", config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0;; i++) {
    try {
      await fetch(url);
      break;
    } catch {
      if (i > 100 || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`workerd did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, log: () => log, stop: () => child.kill("SIGKILL") };
}

let quickstart: Served;
let url = "";
const log = () => quickstart.log();

beforeAll(async () => {
  quickstart = await serve(join(root, "examples", "edge", "worker.ts"), join(root, "build", "edge-test"));
  url = quickstart.url;
}, 120_000);

afterAll(() => quickstart?.stop());

async function edge(body: object): Promise<{ backendInfo: string; results: { terms: Record<string, number>; status: string }[] }> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`workerd answered ${res.status}: ${JSON.stringify(json)}\n${log()}`);
  return json;
}

async function node(backend: "wasm" | "reference", params: number[][], seed = SEED) {
  const config: FitConfig = structuredClone(QUICKSTART_CONFIG);
  config.simulation = { ...config.simulation, duration: DURATION, seed };
  const [p] = await problemsFromConfig(config);
  return evaluateBatch(params.map((x) => ({ problem: p!, x })), { backend, threads: 1 });
}

describe("edge example in workerd", () => {
  it("scores a batch on the wasm backend from provided modules, within FC_TOL of the Node run", async () => {
    const got = await edge({ params: PARAMS, duration: DURATION, seed: SEED, backend: "wasm" });
    expect(got.backendInfo).toMatch(/^WASM .*on 1 thread/);
    const ref = await node("reference", PARAMS);
    const wasm = await node("wasm", PARAMS);
    const otherSeed = await node("wasm", PARAMS, SEED + 1);
    got.results.forEach((r, i) => {
      expect(r.status).toBe("ok");
      const e = r.terms["+fc_corr"]!, f = ref.results[i]!.terms["+fc_corr"]!;
      console.log(
        `fc_corr ${PARAMS[i]}: workerd wasm ${e}, node reference ${f} (Δ ${Math.abs(e - f).toExponential(2)}), node wasm seed+1 Δ ${
          Math.abs(otherSeed.results[i]!.terms["+fc_corr"]! - f).toExponential(2)
        }`,
      );
      expect(Math.abs(e - f)).toBeLessThan(FC_TOL);
      expect(Math.abs(e - wasm.results[i]!.terms["+fc_corr"]!)).toBeLessThan(FC_TOL);
      // The tolerance can fail: another seed moves the term far more.
      expect(Math.abs(otherSeed.results[i]!.terms["+fc_corr"]! - f)).toBeGreaterThan(100 * FC_TOL);
    });
  }, 120_000);

  it("runs the float64 reference without code generation, bit-identical to Node's", async () => {
    const params = PARAMS.slice(0, 1);
    const got = await edge({ params, duration: DURATION, seed: SEED, backend: "reference" });
    const ref = await node("reference", params);
    expect(got.backendInfo).toMatch(/reference/);
    expect(got.results[0]!.terms).toEqual(ref.results[0]!.terms);
  }, 120_000);

  it("computes FC on the WASM statistics backend from the provided stats module, within 1e-4 of TypeScript", async () => {
    // Two batches of 6 nodes × 120 volumes: a shared slow wave plus per-node noise (LCG), so the
    // correlations are far from 0 and a wrong pairing or a missed centring would show.
    const batch = 2, nNodes = 6, nTime = 120;
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
    const data = Array.from({ length: batch * nNodes * nTime }, (_, k) => {
      const [b, i, t] = [Math.floor(k / (nNodes * nTime)), Math.floor(k / nTime) % nNodes, k % nTime];
      return 1e4 + (i % 2 ? 1 : -1) * Math.sin((t + 7 * b) / 9) + (0.3 + 0.1 * i) * rnd();
    });
    const res = await fetch(new URL("fc", url), { method: "POST", body: JSON.stringify({ data, batch, nNodes, nTime }) });
    const got = (await res.json()) as { backend: string; fc: number[]; error?: string };
    if (!res.ok) throw new Error(`workerd answered ${res.status}: ${got.error}\n${log()}`);
    expect(got.backend).toBe("wasm");
    const want = await typescriptStatsBackend.fcBatch({ data: Float64Array.from(data), batch, nNodes, nTime });
    expect(got.fc.length).toBe(want.length);
    const maxDiff = Math.max(...got.fc.map((v, k) => Math.abs(v - want[k]!)));
    expect(maxDiff).toBeLessThan(1e-4); // docs/stats.md: |ΔFC| ≤ 1e-4 against the TypeScript backend
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.5);
  }, 120_000);

  it("auto picks the wasm backend from the provided modules, and bad input gets a 400 naming the field", async () => {
    expect((await edge({ params: PARAMS.slice(0, 1), duration: DURATION })).backendInfo).toMatch(/^WASM/);
    const res = await fetch(url, { method: "POST", body: JSON.stringify({ params: [[1]] }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^params:/);
  }, 120_000);
});

// A user-defined model (examples/edge/fhn.json) reaches workerd through `brainfit compile`.
describe("user-model edge example (brainfit compile) in workerd", () => {
  let fhn: Served;
  beforeAll(async () => {
    const r = await runCli(["compile", join(root, "examples", "edge", "fhn.json"), "--out", join(root, "build", "fhn-kernels")]);
    if (r.code !== 0) throw new Error(`brainfit compile failed: ${r.err}`);
    fhn = await serve(join(root, "examples", "edge", "fhn-worker.ts"), join(root, "build", "edge-test-fhn"));
  }, 180_000);
  afterAll(() => fhn?.stop());

  async function post(body: FhnRequest) {
    const res = await fetch(fhn.url, { method: "POST", body: JSON.stringify(body) });
    const json = (await res.json()) as { backendInfo: string; recorded: Record<string, number[]>; error?: string };
    if (!res.ok) throw new Error(`workerd answered ${res.status}: ${json.error}\n${fhn.log()}`);
    return json;
  }

  it("matches Node's reference: bit for bit on the reference, within the f32 tolerance on wasm", async () => {
    const req: FhnRequest = { I: [0.3, 0.5, 0.9], duration: 0.05, seed: 2 };
    const opts = fhnSimulation(req);
    const ref = await simulate({ ...opts, backend: "reference" });
    const edgeRef = await post({ ...req, backend: "reference" });
    for (const k of ["v", "w"]) expect(edgeRef.recorded[k]).toEqual(Array.from(ref.recorded[k]!));
    const edgeWasm = await post({ ...req, backend: "wasm" });
    expect(edgeWasm.backendInfo).toMatch(/^WASM .*on 1 thread/);
    const { tol } = f32Tolerance(opts, ref);
    let worst = 0;
    for (const k of ["v", "w"]) edgeWasm.recorded[k]!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref.recorded[k]![i]!))));
    console.log(
      `FitzHugh–Nagumo in workerd (wasm) vs Node reference: max |Δ| ${worst.toExponential(2)}, tolerance ${tol.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(tol);
    expect(worst).toBeGreaterThan(0); // f32 kernels really ran
  }, 120_000);
});
