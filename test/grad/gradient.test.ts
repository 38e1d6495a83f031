// Reverse-mode gradients of the reference simulation against central finite differences, in
// float64, on random small networks with delays, for every differentiable built-in model.
import { describe, expect, it } from "vitest";
import { jansenRit, kuramoto, type ModelSpec, rww, supHopf, supHopfDifference, wilsonCowan, withBold } from "../../src/models/index.ts";
import { valueAndGradSimulation } from "../../src/grad/value-and-grad.ts";
import type { LaneLoss } from "../../src/grad/backward.ts";
import type { SimulationOptions } from "../../src/batch/prepare.ts";
import { sinSquaredLoss } from "./losses-fixture.ts";

/** Deterministic pseudo-random numbers (tests must not depend on Math.random). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function network(n: number, seed: number) {
  const r = rng(seed);
  const weights = new Float64Array(n * n), lengths = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || r() < 0.2) continue;
      weights[i * n + j] = 0.2 + r();
      lengths[i * n + j] = 1 + 20 * r(); // mm; at 2 mm/ms and dt 0.1 ms: 5–105 steps
    }
  }
  return { weights, lengths, speed: 2 };
}

const loss: LaneLoss = sinSquaredLoss();

interface Case {
  model: ModelSpec;
  params: Record<string, number | number[]>;
  wrt: string[];
  record: string[];
  integrator?: "euler" | "heun";
  duration?: number;
}

const cases: Case[] = [
  { model: supHopf, params: { a: -0.05, G: 0.3, sigma: 0.02 }, wrt: ["a", "omega", "G", "sigma"], record: ["x", "r2"] },
  { model: supHopfDifference, params: { a: 0.02, G: 0.2, sigma: 0.02 }, wrt: ["a", "G"], record: ["x"], integrator: "euler" },
  { model: wilsonCowan, params: { k: 0.8, sigma_ou: 0.05 }, wrt: ["k", "wEE", "theta_E", "tau_ou", "sigma_ou"], record: ["rE", "F_I"] },
  { model: rww, params: { G: 1.5, sigma: 0.005 }, wrt: ["G", "w_p", "J_N", "wIE", "sigma"], record: ["S_E", "r_E"], integrator: "euler" },
  {
    model: jansenRit,
    params: { G: 1, sigma_p: 0.02, drive1_amp: 0.05, drive1_mu: 5 },
    wrt: ["G", "A", "p", "sigma_p", "drive1_mu"],
    record: ["dipole"],
  },
  {
    model: kuramoto,
    params: { K: 0.3, sigma: 0.02, theta0: [0.1, 1, 2, 3, 4] },
    wrt: ["K", "omega", "theta0", "sigma"],
    record: ["sin_theta"],
  },
  { model: withBold(supHopf), params: { a: -0.05, G: 0.3, sigma: 0.02 }, wrt: ["a", "G"], record: ["bold"], duration: 0.05 },
];

describe("adjoint gradients vs central finite differences (float64 reference)", () => {
  for (const c of cases) {
    it(`${c.model.name}${c.integrator ? ` (${c.integrator})` : ""}`, async () => {
      const n = 5;
      const base: SimulationOptions = {
        model: c.model,
        network: network(n, 7),
        duration: c.duration ?? 0.02,
        dt: 0.1,
        seed: 3,
        integrator: c.integrator ?? "heun",
        params: c.params,
        record: { observables: c.record, period: 1 },
      };
      const r = await valueAndGradSimulation(base, loss, { checkpointEvery: 37 });
      const spec = c.model;
      let worst = 0;
      for (const name of c.wrt) {
        const p = spec.parameters.find((q) => q.name === name)!;
        const nodes = p.scope === "regional" ? [0, 3] : [-1];
        for (const node of nodes) {
          const value = async (delta: number) => {
            const v0 = c.params[name] ?? p.default;
            const arr = Array.from({ length: n }, (_, i) => (Array.isArray(v0) ? v0[i]! : (v0 as number)));
            let params: Record<string, number | number[]>;
            if (node < 0) params = { ...c.params, [name]: (v0 as number) + delta };
            else {
              arr[node] += delta;
              params = { ...c.params, [name]: arr };
            }
            return (await valueAndGradSimulation({ ...base, params }, loss)).values[0]!;
          };
          const v0 = Array.isArray(c.params[name])
            ? (c.params[name] as number[])[node]!
            : ((c.params[name] as number | undefined) ?? p.default);
          const h = 1e-5 * Math.max(Math.abs(v0), 1e-2);
          const fd = ((await value(h)) - (await value(-h))) / (2 * h);
          const ad = node < 0 ? r.grads[name]![0]! : r.grads[name]![node]!;
          const rel = Math.abs(ad - fd) / Math.max(Math.abs(fd), 1e-8 * Math.abs(r.values[0]!));
          worst = Math.max(worst, rel);
          expect(rel, `${name}${node >= 0 ? `[${node}]` : ""}: adjoint ${ad}, FD ${fd}`).toBeLessThan(1e-5);
        }
      }
      console.log(`${c.model.name}: worst relative error ${worst.toExponential(2)}`);
    });
  }

  it("gives the same gradient for the same noise seed, and the checkpoint interval does not change it", async () => {
    const base: SimulationOptions = {
      model: supHopf,
      network: network(4, 2),
      duration: 0.02,
      seed: 11,
      params: { sigma: 0.05 },
      record: { observables: ["x"], period: 0.5 },
    };
    const a = await valueAndGradSimulation(base, loss, { checkpointEvery: 13 });
    const b = await valueAndGradSimulation(base, loss, { checkpointEvery: 13 });
    const c = await valueAndGradSimulation(base, loss, { checkpointEvery: 200 });
    expect(Array.from(a.grads.a!)).toEqual(Array.from(b.grads.a!));
    for (let i = 0; i < 4; i++) expect(c.grads.a![i]!).toBeCloseTo(a.grads.a![i]!, 12);
  });

  it("closure trees (no code generation) give the same gradient bit for bit", async () => {
    const base: SimulationOptions = {
      model: rww,
      network: network(4, 5),
      duration: 0.01,
      seed: 2,
      integrator: "euler",
      params: { G: 2, sigma: 0.02 },
      record: { observables: ["S_E", "r_E"], period: 0.5 },
    };
    const a = await valueAndGradSimulation(base, loss, { evaluator: "generated" });
    const b = await valueAndGradSimulation(base, loss, { evaluator: "closures" });
    for (const name of ["G", "w_p", "J_N", "sigma"]) expect(Array.from(b.grads[name]!)).toEqual(Array.from(a.grads[name]!));
  });
});

describe("the gradient's forward pass", () => {
  it("records what the reference backend records (float32 rounding of the same float64 run)", async () => {
    const { simulate } = await import("../../src/sim/simulate.ts");
    const base: SimulationOptions = {
      model: wilsonCowan,
      network: network(5, 4),
      duration: 0.03,
      seed: 5,
      params: { sigma_ou: 0.05 },
      record: { observables: ["rE", "F_E"], period: 0.5 },
    };
    const ref = await simulate({ ...base, backend: "reference" });
    const g = await valueAndGradSimulation(base, loss);
    for (const name of ["rE", "F_E"]) {
      const a = ref.recorded[name]!, b = g.recorded[0]![name]!;
      expect(b.length).toBe(a.length);
      for (let k = 0; k < a.length; k++) expect(Math.fround(b[k]!)).toBe(a[k]!);
    }
  });
});
