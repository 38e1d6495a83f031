// Gradients on the WASM SIMD backend (float32, grad/wasm.ts) against the float64 reference's
// adjoint (grad/backward.ts, itself checked against finite differences in gradient.test.ts), on
// random networks with delays (0 included), lane-varying parameters and both integrators.
//
// Tolerance. The float32 gradient differs from the float64 one through (a) the trajectory it is
// taken along: the f32 forward differs from the f64 one by ε_rec (measured here: the largest
// |rec32 − rec64| over the recording, relative to its largest |rec64|; the WebGPU and WASM
// trajectory tests bound it), which perturbs the loss's sample gradients and every Jacobian of
// the adjoint sweep by O(ε_rec) relative; and (b) the sweep's own rounding: k steps of a linear
// recurrence, O(k·u) relative with u = 2^-24. So ‖g32 − g64‖ / ‖g64‖ <= C·(ε_rec + k·u), with
// C the ratio of the models' curvature to slope at these amplitudes; measured 1–6.3 (rWW the
// largest), C = 20 leaves margin. A wrong delay slot, a dropped term or a swapped lane changes
// the gradient by O(1) relative, far above this.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jansenRit, kuramoto, type ModelSpec, rww, supHopf, supHopfDifference, wilsonCowan, withBold } from "../../src/models/index.ts";
import { prepareSimulation, type SimulationOptions } from "../../src/batch/prepare.ts";
import { type BatchLoss, type LaneLoss, simulateGradient } from "../../src/grad/backward.ts";
import { simulateGradientWasm } from "../../src/grad/wasm.ts";
import { sinSquaredLoss } from "./losses-fixture.ts";

const U = 2 ** -24;
const C = 20;

const loss: LaneLoss = sinSquaredLoss(true);

interface Case {
  model: ModelSpec;
  params: Record<string, number>;
  /** Parameters drawn per lane in ±20 % of their value here. */
  vary: string[];
  record: string[];
  duration?: number;
}

const cases: Case[] = [
  { model: supHopf, params: { a: -0.05, G: 0.3, sigma: 0.02 }, vary: ["a", "G"], record: ["x", "r2"] },
  { model: supHopfDifference, params: { a: 0.02, G: 0.2, sigma: 0.02 }, vary: ["a", "G"], record: ["x"] },
  { model: wilsonCowan, params: { k: 0.8, sigma_ou: 0.05 }, vary: ["k", "theta_E"], record: ["rE", "F_I"] },
  { model: rww, params: { G: 1.5, sigma: 0.005 }, vary: ["G", "J_N"], record: ["S_E", "r_E"] },
  { model: jansenRit, params: { G: 1, sigma_p: 0.02, drive1_amp: 0.05, drive1_mu: 5 }, vary: ["G", "A"], record: ["dipole"] },
  { model: kuramoto, params: { K: 0.3, sigma: 0.02 }, vary: ["K"], record: ["sin_theta"] },
  { model: withBold(supHopf), params: { a: -0.05, G: 0.3, sigma: 0.02 }, vary: ["a", "G"], record: ["bold"], duration: 0.05 },
];

const LANES = 5; // one full lane group and one with three padding lanes

const arbitrary = (c: Case): fc.Arbitrary<Drawn> =>
  fc.integer({ min: 3, max: 6 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      weights: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 0.8, noNaN: true })), { minLength: n * n, maxLength: n * n }),
      delays: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: n * n, maxLength: n * n }),
      // Every delay >= 8 steps: the kernel's blocked passes (8 steps per pass over the edges).
      long: fc.boolean(),
      scale: fc.array(fc.double({ min: 0.8, max: 1.2, noNaN: true }), {
        minLength: LANES * c.vary.length,
        maxLength: LANES * c.vary.length,
      }),
      heun: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1000 }),
      // One key for every lane: the kernel draws one Philox call per four nodes for the group.
      sameSeed: fc.boolean(),
    })
  );

interface Drawn {
  n: number;
  weights: number[];
  delays: number[];
  long: boolean;
  scale: number[];
  heun: boolean;
  seed: number;
  sameSeed: boolean;
}

function options(c: Case, d: Drawn): SimulationOptions {
  const { n, weights, delays, long, scale, heun, seed, sameSeed } = d;
  const w = weights.map((x, k) => (k % (n + 1) === 0 ? 0 : x));
  const params: Record<string, number | number[]> = { ...c.params };
  c.vary.forEach((name, v) => {
    const base = c.params[name] ?? c.model.parameters.find((p) => p.name === name)!.default;
    params[name] = Array.from({ length: LANES }, (_, l) => base * scale[l * c.vary.length + v]!);
  });
  return {
    model: c.model,
    network: { weights: w, lengths: delays.map((x) => (x + (long ? 8 : 0)) * 0.1), speed: 1 }, // dt 0.1 ms: 0–12 or 8–20 steps
    duration: c.duration ?? 0.02,
    dt: 0.1,
    lanes: LANES,
    seed: sameSeed ? seed : Array.from({ length: LANES }, (_, l) => seed + l),
    integrator: heun ? "heun" : "euler",
    params,
    record: { observables: c.record, period: 0.5 },
  };
}

/** ‖a − b‖ / ‖a‖ over all lanes, nodes and parameters. */
function relL2(a: Float64Array, b: Float64Array): number {
  let num = 0, den = 0;
  for (let k = 0; k < a.length; k++) {
    num += (a[k]! - b[k]!) ** 2;
    den += a[k]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe("WASM gradients vs the float64 reference adjoint", () => {
  for (const c of cases) {
    it(c.model.name, async () => {
      let worst = 0;
      await fc.assert(
        fc.asyncProperty(arbitrary(c), async (d) => {
          const sim = prepareSimulation(options(c, d));
          const ref = simulateGradient(sim, loss, { checkpointEvery: 37 });
          const got = await simulateGradientWasm(sim, loss, { checkpointEvery: 37 });
          let err = 0, max = 0;
          for (let l = 0; l < LANES; l++) {
            for (const name of c.record) {
              const a = ref.recorded[l]![name]!, b = got.recorded[l]![name]!;
              for (let k = 0; k < a.length; k++) {
                err = Math.max(err, Math.abs(a[k]! - b[k]!));
                max = Math.max(max, Math.abs(a[k]!));
              }
            }
          }
          const tol = C * (err / max + sim.nSteps * U);
          const rel = relL2(ref.paramGrad, got.paramGrad);
          worst = Math.max(worst, rel / tol);
          expect(rel, `gradient relative error (tolerance ${tol.toExponential(2)})`).toBeLessThan(tol);
          // Per lane too: a lane mix-up would hide in the total only if the lanes were alike.
          for (let l = 0; l < LANES; l++) {
            const span = sim.nNodes * sim.nParams;
            const a = ref.paramGrad.subarray(l * span, (l + 1) * span), b = got.paramGrad.subarray(l * span, (l + 1) * span);
            expect(relL2(a, b), `lane ${l}`).toBeLessThan(tol * 3);
          }
        }),
        { numRuns: 5, seed: 14 },
      );
      console.log(`${c.model.name}: worst error / tolerance ${worst.toFixed(3)}`);
    });
  }

  it("gives the same gradient for the same seed; the checkpoint interval changes only the order of float32 sums", async () => {
    for (const speed of [1, 0.05]) {
      // speed 1: delays 1–9 steps (one step per pass); 0.05: 20–180 steps (blocks of 8 steps).
      const sim = prepareSimulation({
        model: rww,
        network: { weights: [0, 0.5, 0.3, 0.4, 0, 0.6, 0.2, 0.7, 0], lengths: [0, 0.3, 0.5, 0.2, 0, 0.9, 0.4, 0.1, 0], speed },
        duration: 0.03,
        lanes: 3,
        seed: 9,
        params: { G: [1, 1.5, 2], sigma: 0.01 },
        record: { observables: ["S_E"], period: 0.5 },
      });
      const a = await simulateGradientWasm(sim, loss, { checkpointEvery: 17 });
      const b = await simulateGradientWasm(sim, loss, { checkpointEvery: 17 });
      const c = await simulateGradientWasm(sim, loss, { checkpointEvery: 1000 });
      expect(Array.from(b.paramGrad)).toEqual(Array.from(a.paramGrad));
      expect(Array.from(c.values)).toEqual(Array.from(a.values)); // the forward pass does not depend on it
      // Segments set where the backward blocks of 8 steps start, so scattered adjoints add in
      // another order: float32 sums agree to a few units of the last place.
      expect(relL2(a.paramGrad, c.paramGrad)).toBeLessThan(1e-5);
    }
  });

  it("gives the same bits on one thread and on worker threads (lane groups split over them)", async () => {
    const sim = prepareSimulation({
      model: wilsonCowan,
      network: { weights: [0, 0.5, 0.3, 0.4, 0, 0.6, 0.2, 0.7, 0], lengths: [0, 1.3, 1.5, 1.2, 0, 1.9, 1.4, 1.1, 0], speed: 1 },
      duration: 0.02,
      lanes: 9, // three lane groups, the last padded
      seed: Array.from({ length: 9 }, (_, l) => l % 2),
      params: { k: Array.from({ length: 9 }, (_, l) => 0.6 + 0.05 * l), sigma_ou: 0.05 },
      record: { observables: ["rE"], period: 0.5 },
    });
    const batch: BatchLoss = {
      batch: (recs) => {
        const per = recs.map((r, l) => loss(l, r));
        return { values: Float64Array.from(per, (p) => p.value), grads: per.map((p) => p.grad) };
      },
    };
    for (const l of [loss, batch]) {
      const one = await simulateGradientWasm(sim, l, { threads: 1 });
      const two = await simulateGradientWasm(sim, l, { threads: 2 });
      const three = await simulateGradientWasm(sim, l, { threads: 3 });
      expect(Array.from(two.paramGrad)).toEqual(Array.from(one.paramGrad));
      expect(Array.from(three.paramGrad)).toEqual(Array.from(one.paramGrad));
      expect(Array.from(three.values)).toEqual(Array.from(one.values));
      expect(Array.from(three.recorded[8]!.rE!)).toEqual(Array.from(one.recorded[8]!.rE!));
    }
  });

  it("takes a loss of all lanes together (BatchLoss): the same gradient as per lane when the loss is a sum", async () => {
    const sim = prepareSimulation({
      model: supHopf,
      network: { weights: [0, 0.5, 0.5, 0], lengths: [0, 0.4, 0.7, 0], speed: 1 },
      duration: 0.02,
      lanes: 6,
      seed: [1, 2, 3, 4, 5, 6],
      params: { G: 0.4, sigma: 0.03 },
      record: { observables: ["x"], period: 0.5 },
    });
    const batch: BatchLoss = {
      batch: (recs) => {
        const per = recs.map((r, l) => loss(l, r));
        return { values: Float64Array.of(per.reduce((s, p) => s + p.value, 0)), grads: per.map((p) => p.grad) };
      },
    };
    const a = await simulateGradientWasm(sim, loss);
    const b = await simulateGradientWasm(sim, batch);
    expect(b.values[0]).toBeCloseTo(a.values.reduce((s, v) => s + v, 0), 10);
    expect(Array.from(b.paramGrad)).toEqual(Array.from(a.paramGrad));
  });
});
