// The first 350 cases of the 10,000-case fuzz (scripts/fuzz.ts, recorded in bench/RESULTS.md),
// in-process: every case ends in a clean error or loads, and no checksummed format (npz,
// compressed .mat, TVB zip) loads changed values.
import { describe, expect, it } from "vitest";
import { CHECKSUMMED, compareLoads, fuzzCase, parseCase } from "../../scripts/fuzz-cases.ts";

const CASES = 350;
const CLEAN = ["BrainfitIOError", "FitConfigError", "OptimizerOptionError", "ModelSpecError"];

describe(`fuzz regression: cases 0..${CASES - 1} of scripts/fuzz.ts`, () => {
  it("clean errors or loads; no accepted corruption of a checksummed format", async () => {
    const problems: string[] = [];
    const formats = new Set<string>();
    let errors = 0;
    for (let k = 0; k < CASES; k++) {
      const c = fuzzCase(k);
      formats.add(c.format);
      try {
        const got = await parseCase(c.format, c.bytes);
        if (CHECKSUMMED.includes(c.format) && compareLoads(got, await parseCase(c.format, c.original)) === "changed") {
          problems.push(`case ${k} (${c.source}, ${c.mutation}): changed values loaded`);
        }
      } catch (e) {
        const err = e as Error;
        if (!CLEAN.includes(err?.name) || err.message.length < 20) {
          problems.push(`case ${k} (${c.source}, ${c.mutation}): ${err?.name}: ${err?.message}`);
        } else errors++;
      }
    }
    expect(problems).toEqual([]);
    expect(formats.size).toBe(7);
    expect(errors).toBeGreaterThan(CASES / 2); // the mutations do break most files
  }, 60_000);
});
