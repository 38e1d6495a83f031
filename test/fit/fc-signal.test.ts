// simulation.fcSignal: FC from one observable (BOLD, decimated to fcTr) while the other terms
// use the fast signal, in the same simulate() call.
import { describe, expect, it } from "vitest";
import { evaluateBatch } from "../../src/fit/evaluate.ts";
import { defineProblem } from "../../src/fit/problem.ts";
import { N, tinySpec } from "./fixtures.ts";

const PEAKS = Array.from({ length: N }, () => 5);

describe("simulation.fcSignal", () => {
  it("computes FC from BOLD sampled every fcTr exactly as a BOLD-signal problem does, while PSD peaks come from x", async () => {
    const base = tinySpec();
    const both = defineProblem({
      ...base,
      name: "both",
      gof: ["+fc_corr", "-psd_mae"],
      target: { ...base.target, psdPeaks: PEAKS },
      simulation: {
        ...base.simulation,
        duration: 3,
        signal: "x",
        fcSignal: "bold",
        fcTr: 0.1,
        boldRemove: 0.5,
        psd: { nperseg: 64, fmin: 1, fmax: 40 },
      },
    });
    const bold = defineProblem({
      ...base,
      name: "bold",
      simulation: { ...base.simulation, duration: 3, signal: "bold", tr: 0.1, boldRemove: 0.5 },
    });
    const xOnly = defineProblem({ ...base, name: "x", simulation: { ...base.simulation, duration: 3, signal: "x", boldRemove: 0.5 } });
    expect(both.fc).toEqual({ signal: "bold", tr: 0.1, stride: 10, removeSamples: 5, nTime: 25 });
    const b = await evaluateBatch([{ problem: both, x: [0.3] }, { problem: bold, x: [0.3] }, { problem: xOnly, x: [0.3] }], {
      backend: "wasm",
      threads: 1,
      keepOutputs: true,
    });
    expect(b.simulateCalls).toBe(3);
    const [rb, rB, rx] = b.results;
    expect(rb!.terms["+fc_corr"]).toBe(rB!.terms["+fc_corr"]);
    expect(rb!.terms["+fc_corr"]).not.toBe(rx!.terms["+fc_corr"]);
    expect(Number.isFinite(rb!.terms["-psd_mae"])).toBe(true);
    expect(b.outputs![0]!.nTime).toBe(250);
    expect(b.outputs![0]!.fcNTime).toBe(25);
    expect(Array.from(b.outputs![0]!.fcSignal!)).toEqual(Array.from(b.outputs![1]!.signal));
  });

  it("validates fcSignal and fcTr", () => {
    const base = tinySpec();
    expect(() => defineProblem({ ...base, simulation: { ...base.simulation, fcSignal: "bolt" } })).toThrow(
      /simulation\.fcSignal: unknown observable .*'bolt'; did you mean 'bold'/,
    );
    expect(() => defineProblem({ ...base, simulation: { ...base.simulation, fcSignal: "bold", fcTr: 0.015 } })).toThrow(
      /simulation\.fcTr: must be a whole multiple of tr/,
    );
    expect(() => defineProblem({ ...base, simulation: { ...base.simulation, fcTr: 0.02 } })).toThrow(
      /simulation\.fcTr: applies only with a simulation\.fcSignal/,
    );
  });
});
