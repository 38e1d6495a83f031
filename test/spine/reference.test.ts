import { describe, expect, it } from "vitest";
import { prepareSimulation } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { supHopf } from "../../src/models/hopf.ts";

const ring4 = (w: number) => {
  const W = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    W[i * 4 + ((i + 1) % 4)] = w;
    W[((i + 1) % 4) * 4 + i] = w;
  }
  return W;
};

describe("float64 reference backend", () => {
  it("Hopf without noise decays to 0 for a < 0 and settles at radius √a for a > 0", () => {
    for (const a of [-0.2, 0.04, 0.25]) {
      const r = simulateReference(
        prepareSimulation({
          model: supHopf,
          network: { weights: ring4(0) },
          params: { a, sigma: 0, G: 0 },
          duration: 0.3,
          dt: 0.05,
          record: { observables: ["r2"], period: 10 },
        }),
      );
      const last = r.recorded.r2!.subarray(r.recorded.r2!.length - 4);
      for (const v of last) {
        if (a < 0) expect(v).toBeLessThan(1e-12);
        else expect(Math.sqrt(v)).toBeCloseTo(Math.sqrt(a), 5);
      }
    }
  });
  it("is deterministic and lanes are independent", () => {
    const base = {
      model: supHopf,
      network: { weights: ring4(0.3), lengths: ring4(12), speed: 3 },
      duration: 0.05,
      dt: 0.1,
      lanes: 3,
      noise: "independent" as const,
      seed: 42,
      record: { observables: ["x", "y"], period: 1 },
    };
    const a = simulateReference(prepareSimulation({ ...base, params: { a: [0.1, -0.1, 0.2] } }));
    const b = simulateReference(prepareSimulation({ ...base, params: { a: [0.1, -0.1, 0.2] } }));
    const c = simulateReference(prepareSimulation({ ...base, params: { a: [0.1, 0.5, 0.2] } }));
    expect(b.recorded.x).toEqual(a.recorded.x);
    const per = a.recorded.x!.length / 3;
    expect(c.recorded.x!.subarray(0, per)).toEqual(a.recorded.x!.subarray(0, per));
    expect(c.recorded.x!.subarray(2 * per)).toEqual(a.recorded.x!.subarray(2 * per));
    expect(c.recorded.x!.subarray(per, 2 * per)).not.toEqual(a.recorded.x!.subarray(per, 2 * per));
  });
});
