// An edge worker (Cloudflare Workers, workerd): POST a JSON batch of parameter sets for the
// quickstart problem (SupHopf on the bundled HCP Schaefer-100 group connectome, FC fit; see
// examples/quickstart.json) and get each set's GOF terms back. Edge runtimes forbid compiling
// WebAssembly and `new Function`, and have no threads: the WASM kernels and the data arrive as
// bundle-time imports (precompiled modules, ArrayBuffers), the float64 reference runs on closure
// trees, and the batch runs on one thread.
//   node examples/edge/build.mjs                  # → examples/edge/build/{worker.js, config.capnp}
//   npx workerd serve examples/edge/build/config.capnp
//   curl -s -X POST http://127.0.0.1:8787 -d '{"params": [[0.02, -0.05], [0.05, -0.1]]}'
// Body: {"params": [[G, a], …], "backend"?: "wasm" | "reference" | "auto", "duration"?: s, "seed"?: n}
// Reply: {"backendInfo": "…", "results": [{"terms": {"+fc_corr": …}, "cost": …, "status": "ok"}, …]}
// POST /fc {"data": [...], "batch": B, "nNodes": n, "nTime": T} → {"fc": [...]}: the FC lower
// triangles of B series (B × n × T) from the WASM SIMD statistics backend (a provided module too).
import { evaluateBatch, type FitConfig, type FitProblem, problemsFromConfig, QUICKSTART_CONFIG } from "brainfit/fit";
import { parseArray, toFloat64 } from "brainfit/io";
import { type BackendName, provideWasmModules } from "brainfit/sim";
import { createWasmStatsBackend } from "brainfit/stats";
// The SupHopf kernels (widths 1, 2, 4 and the layout over nodes; SIMD and relaxed SIMD): the backend picks one by batch size.
import k1 from "brainfit/wasm/SupHopf.w1.simd.wasm";
import k2 from "brainfit/wasm/SupHopf.w2.simd.wasm";
import k4 from "brainfit/wasm/SupHopf.w4.simd.wasm";
import r1 from "brainfit/wasm/SupHopf.w1.relaxed.wasm";
import r2 from "brainfit/wasm/SupHopf.w2.relaxed.wasm";
import r4 from "brainfit/wasm/SupHopf.w4.relaxed.wasm";
import kn from "brainfit/wasm/SupHopf.nodes.simd.wasm";
import rn from "brainfit/wasm/SupHopf.nodes.relaxed.wasm";
// The statistics kernels (FC, FCD in f32x4), for createWasmStatsBackend.
import stats from "brainfit/wasm/stats.simd.wasm";
// The quickstart's data (HCP Schaefer-100, group-train706), bundled as data modules.
import scStrength from "../../data/hcp-schaefer100/group-train706/sc_strength.npz";
import scLength from "../../data/hcp-schaefer100/group-train706/sc_length.npz";
import fc from "../../data/hcp-schaefer100/group-train706/fc.npz";

provideWasmModules([k1, k2, k4, kn, r1, r2, r4, rn, stats]);

/** An n × n matrix from .npz bytes as rows (what a fit config takes inline). */
function rows(bytes: ArrayBuffer, scale = false): number[][] {
  const a = toFloat64(parseArray(new Uint8Array(bytes)));
  const [n] = a.shape as [number, number];
  let factor = 1;
  if (scale) {
    // cuBNM's SC normalisation, as the dataset reference {normalize: true}: sc / (mean(sc) · 100).
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) sum += a.data[i]!;
    factor = 1 / ((sum / a.data.length) * 100);
  }
  return Array.from({ length: n }, (_, i) => Array.from(a.data.subarray(i * n, (i + 1) * n), (v) => v * factor));
}

/** The quickstart problem with the bundled arrays inlined; duration and seed may be overridden. */
export function edgeConfig(duration?: number, seed?: number): FitConfig {
  const base: FitConfig = structuredClone(QUICKSTART_CONFIG);
  return {
    ...base,
    network: { ...base.network, weights: rows(scStrength, true), lengths: rows(scLength) },
    target: { fc: rows(fc) },
    simulation: { ...base.simulation, ...(duration !== undefined ? { duration } : {}), ...(seed !== undefined ? { seed } : {}) },
  };
}

const problems = new Map<string, Promise<FitProblem>>();

function bad(message: string): Response {
  return Response.json({ error: message }, { status: 400 });
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return Response.json({ usage: 'POST {"params": [[G, a], …]}' }, { status: 405 });
    if (new URL(request.url).pathname === "/fc") return fcRequest(request);
    let body: { params?: unknown; backend?: unknown; duration?: unknown; seed?: unknown };
    try {
      body = await request.json();
    } catch (err) {
      return bad(`body is not JSON: ${(err as Error).message}`);
    }
    const params = body.params;
    if (
      !Array.isArray(params) || params.length === 0 || !params.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite))
    ) {
      return bad("params: give a non-empty array of [G, a] pairs of numbers");
    }
    const backend = (body.backend ?? "auto") as BackendName;
    if (!["auto", "wasm", "reference"].includes(backend)) return bad("backend: use auto, wasm or reference");
    const duration = body.duration === undefined ? undefined : Number(body.duration);
    const seed = body.seed === undefined ? undefined : Number(body.seed);
    const key = `${duration}/${seed}`;
    let problem = problems.get(key);
    if (!problem) problems.set(key, problem = problemsFromConfig(edgeConfig(duration, seed)).then((p) => p[0]!));
    try {
      const p = await problem;
      const batch = await evaluateBatch(params.map((x: number[]) => ({ problem: p, x })), { backend });
      return Response.json({
        backendInfo: batch.backendInfo,
        simulateMs: batch.simulateMs,
        results: batch.results.map((r) => ({ terms: r.terms, cost: r.totalCost, status: r.status })),
      });
    } catch (err) {
      return Response.json({ error: (err as Error).message }, { status: 500 });
    }
  },
};

/** POST /fc: FC lower triangles of a batch of series on the WASM statistics backend. */
async function fcRequest(request: Request): Promise<Response> {
  let body: { data?: unknown; batch?: unknown; nNodes?: unknown; nTime?: unknown };
  try {
    body = await request.json();
  } catch (err) {
    return bad(`body is not JSON: ${(err as Error).message}`);
  }
  const { data, batch, nNodes, nTime } = body;
  if (!Array.isArray(data) || !data.every(Number.isFinite)) {
    return bad("data: give the series as an array of numbers (batch × nNodes × nTime)");
  }
  if (![batch, nNodes, nTime].every((v) => Number.isInteger(v) && (v as number) > 0)) {
    return bad("batch, nNodes, nTime: give positive integers");
  }
  try {
    const wasm = await createWasmStatsBackend();
    const fc = await wasm.fcBatch({
      data: Float64Array.from(data as number[]),
      batch: batch as number,
      nNodes: nNodes as number,
      nTime: nTime as number,
    });
    return Response.json({ backend: wasm.name, fc: Array.from(fc) });
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: 500 });
  }
}
