// Runtime-neutral smoke checks shared by the Bun smoke (test/bun/smoke.ts) and the browser
// page (test/browser/entry.ts): a small delayed, noisy SupHopf batch through the public
// simulate() on the reference backend (sanity of the dynamics), then on each other backend
// asked for, compared with the reference draw for draw (same seed → same Philox noise); and the
// WASM gradient with its lane groups on workers against one thread and the float64 adjoint.
import { supHopf } from "../../src/models/hopf.ts";
import { simulate } from "../../src/sim/simulate.ts";
import type { SimulationResult } from "../../src/batch/prepare.ts";
import { ringWeights } from "../smoke-network.ts";

export type SmokeBackend = "reference" | "webgpu" | "wasm" | "wasm gradient";

export interface SmokeOutcome {
  backend: SmokeBackend;
  ok: boolean;
  /** One line: what was checked, or why it failed. */
  detail: string;
}

const N = 8;
const LANES = 4;
const A = [-0.3, 0.0, 0.05, 0.2]; // per lane: decays … settles near radius √0.2
const SECONDS = 0.03; // 300 steps of 0.1 ms, sampled every 1 ms (30 samples)

function run(backend: "reference" | "webgpu" | "wasm"): Promise<SimulationResult> {
  return simulate({
    backend,
    model: supHopf,
    // 10 mm at 5 mm/ms and dt 0.1 ms: 20-step delays through the ring buffer.
    network: { weights: ringWeights(N, 0.2), lengths: ringWeights(N, 10), speed: 5 },
    lanes: LANES,
    params: { a: A, G: 0.1, sigma: 0.02 },
    dt: 0.1,
    duration: SECONDS,
    seed: 3,
    noise: "independent",
    record: { observables: ["x", "y"], period: 1 },
    // Two lanes per invocation (the software-adapter default for larger batches), so the browsers'
    // and Deno's adapters compile and run that kernel too; ignored by the other backends.
    webgpu: { lanesPerInvocation: 2 },
  });
}

/** Radius √(x² + y²) of every lane and node at the last sample. */
function finalRadius(r: SimulationResult): Float64Array {
  const x = r.recorded.x!, y = r.recorded.y!;
  const samples = x.length / (LANES * N);
  const out = new Float64Array(LANES * N);
  for (let l = 0; l < LANES; l++) {
    for (let i = 0; i < N; i++) {
      const k = (l * samples + samples - 1) * N + i;
      out[l * N + i] = Math.hypot(x[k]!, y[k]!);
    }
  }
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Runs the reference batch and checks the dynamics; returns the result for comparisons. */
export async function smokeReference(): Promise<{ outcome: SmokeOutcome; result: SimulationResult | null }> {
  try {
    const r = await run("reference");
    const x = r.recorded.x!, y = r.recorded.y!;
    const problems: string[] = [];
    if (r.backend !== "reference") problems.push(`backend is ${r.backend}`);
    if (x.length !== LANES * 30 * N) problems.push(`x has ${x.length} values, expected ${LANES * 30 * N}`);
    if (!x.every(Number.isFinite) || !y.every(Number.isFinite)) problems.push("non-finite states");
    const rad = finalRadius(r);
    for (let i = 0; i < N; i++) {
      if (!(rad[i]! < 0.1)) problems.push(`lane 0 (a = -0.3) node ${i}: radius ${rad[i]!.toFixed(3)} did not decay below 0.1`);
      const r3 = rad[3 * N + i]!;
      if (!(Math.abs(r3 - Math.sqrt(0.2)) < 0.15)) problems.push(`lane 3 (a = 0.2) node ${i}: radius ${r3.toFixed(3)} not near √0.2`);
    }
    const again = await run("reference");
    if (!again.recorded.x!.every((v, k) => v === x[k])) problems.push("not deterministic: two runs differ");
    return {
      outcome: {
        backend: "reference",
        ok: problems.length === 0,
        detail: problems.length
          ? problems.slice(0, 3).join("; ")
          : `${LANES} lanes × ${N} nodes × 300 steps, delays 20 steps: dynamics and determinism OK`,
      },
      result: r,
    };
  } catch (err) {
    return { outcome: { backend: "reference", ok: false, detail: message(err) }, result: null };
  }
}

/**
 * Runs `backend` and compares it with the reference, draw for draw. An error in step order,
 * delay slot or noise keying shows as differences ≥ ~1e-3 (one noise increment is
 * σ√dt·z ≈ 6e-3). f32 rounding over 300 contracting Heun steps stays ~1e-6, but WGSL only
 * promises sin/cos to an absolute 2^-11, which enters every noise draw: SwiftShader (Chromium's
 * software adapter) measured 4e-5. Hence 1e-4 for wasm, 3e-4 for webgpu.
 */
const LIMIT: Record<"wasm" | "webgpu", number> = { wasm: 1e-4, webgpu: 3e-4 };

export async function smokeBackend(backend: "wasm" | "webgpu", reference: SimulationResult): Promise<SmokeOutcome> {
  try {
    const t0 = performance.now();
    const r = await run(backend);
    const ms = performance.now() - t0;
    if (r.backend !== backend) return { backend, ok: false, detail: `asked for ${backend}, ran ${r.backend}` };
    let maxDiff = 0;
    for (const name of ["x", "y"]) {
      const a = r.recorded[name], b = reference.recorded[name]!;
      if (!a || a.length !== b.length) {
        return { backend, ok: false, detail: `recorded ${name}: ${a?.length ?? "missing"} values, reference has ${b.length}` };
      }
      for (let k = 0; k < a.length; k++) {
        const d = Math.abs(a[k]! - b[k]!);
        if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
      }
    }
    const limit = LIMIT[backend];
    const ok = maxDiff <= limit;
    return {
      backend,
      ok,
      detail: `max |${backend} − reference| = ${maxDiff.toExponential(2)} (limit ${limit.toExponential(0)}) in ${
        ms.toFixed(0)
      } ms on ${r.backendInfo}`,
    };
  } catch (err) {
    return { backend, ok: false, detail: message(err) };
  }
}

/**
 * The WASM gradient (reverse mode, float32) of 8 lanes: on 2 worker threads it gives the bits of
 * one thread, and it agrees with the float64 reference's adjoint (200 f32 steps: ~1e-6 relative;
 * 1e-4 leaves room, a bug is O(1)).
 */
export async function smokeGradient(): Promise<SmokeOutcome> {
  const backend = "wasm gradient";
  try {
    const { prepareSimulation } = await import("../../src/batch/prepare.ts");
    const { simulateGradient } = await import("../../src/grad/backward.ts");
    const { simulateGradientWasm } = await import("../../src/grad/wasm.ts");
    const W = [0, 0.4, 0.2, 0.3, 0, 0.5, 0.1, 0.6, 0];
    const sim = prepareSimulation({
      model: supHopf,
      network: { weights: W, lengths: W.map((v) => v * 40), speed: 2 },
      lanes: 8,
      duration: 0.02,
      seed: 3,
      noise: "independent",
      record: { observables: ["x"], period: 0.5 },
    });
    const loss = (_lane: number, rec: Record<string, Float64Array>) => ({
      value: rec.x!.reduce((a, v) => a + Math.sin(v) ** 2, 0),
      grad: { x: rec.x!.map((v) => Math.sin(2 * v)) },
    });
    const t0 = performance.now();
    const one = await simulateGradientWasm(sim, loss, { threads: 1 });
    const two = await simulateGradientWasm(sim, loss, { threads: 2 });
    const ms = performance.now() - t0;
    if (!one.paramGrad.every((v, k) => v === two.paramGrad[k])) {
      return { backend, ok: false, detail: "2 worker threads and 1 thread give different gradients" };
    }
    const ref = simulateGradient(sim, loss);
    let num = 0, den = 0;
    ref.paramGrad.forEach((v, k) => {
      num += (v - two.paramGrad[k]!) ** 2;
      den += v * v;
    });
    const rel = Math.sqrt(num / den);
    return {
      backend,
      ok: rel < 1e-4,
      detail: `2 threads = 1 thread bit for bit; relative L2 error vs the float64 adjoint ${rel.toExponential(2)} (limit 1e-4) in ${
        ms.toFixed(0)
      } ms`,
    };
  } catch (err) {
    return { backend, ok: false, detail: message(err) };
  }
}
