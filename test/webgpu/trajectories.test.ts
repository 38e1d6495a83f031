// WebGPU (f32) against the float64 reference, trajectory by trajectory, on random networks,
// parameters, seeds and integrators. The tolerance is derived from f32 error growth: see the
// derivation at the top of compare.ts.
import { describe, it } from "vitest";
import fc from "fast-check";
import { compileModel } from "../../src/models/spec.ts";
import { supHopf, supHopfDifference } from "../../src/models/hopf.ts";
import { wilsonCowan } from "../../src/models/wilsoncowan.ts";
import { caseArbitrary, compare, hopfBounds, wcBounds } from "./compare.ts";
import { itHasAdapter, WEBGPU_OPTED_OUT } from "./gpu.ts";

const RUNS = 10;
const SEED = Number(process.env.BRAINFIT_FC_SEED ?? 20261129);

describe.skipIf(WEBGPU_OPTED_OUT)("webgpu trajectories agree with the float64 reference within the f32 error bound", () => {
  itHasAdapter();

  const hopf = compileModel(supHopf);
  const hopfDiff = compileModel(supHopfDifference);
  const wc = compileModel(wilsonCowan);
  const worst: Record<string, number> = {};

  it("SupHopf, linear coupling", async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary(supHopf), async (c) => {
        worst.hopf = Math.max(worst.hopf ?? 0, await compare(hopf, c, (cc, M) => hopfBounds(cc, M, false)));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("SupHopf, difference coupling", async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary(supHopfDifference), async (c) => {
        worst.hopfDiff = Math.max(worst.hopfDiff ?? 0, await compare(hopfDiff, c, (cc, M) => hopfBounds(cc, M, true)));
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it("WilsonCowan", async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary(wilsonCowan), async (c) => {
        worst.wc = Math.max(worst.wc ?? 0, await compare(wc, c, wcBounds));
      }),
      { numRuns: RUNS, seed: SEED + 2 },
    );
    if (process.env.BRAINFIT_VERBOSE) console.log("worst |error| / bound:", worst);
  });
});
