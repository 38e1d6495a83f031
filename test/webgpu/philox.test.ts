import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { normals4, philox4x32, uniform24 } from "../../src/noise/philox.ts";
import { itHasAdapter, NORMAL_TOLERANCE, runCompute, WEBGPU_OPTED_OUT } from "./gpu.ts";
import { PHILOX_TEST_SHADER } from "./compute.ts";

// Random123's kat_vectors, "philox4x32 10": counter, key → output.
const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
];

async function gpuPhilox(tuples: number[][]): Promise<{ words: number[][]; normals: number[][] }> {
  const input = Uint32Array.from(tuples.flat());
  const out = await runCompute(PHILOX_TEST_SHADER, "main", input, 8 * tuples.length, Math.ceil(tuples.length / 64));
  const f = new Float32Array(out.buffer);
  return {
    words: tuples.map((_, q) => Array.from(out.subarray(8 * q, 8 * q + 4))),
    normals: tuples.map((_, q) => Array.from(f.subarray(8 * q + 4, 8 * q + 8))),
  };
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe.skipIf(WEBGPU_OPTED_OUT)("WGSL Philox4x32-10", () => {
  itHasAdapter();

  it("gives Random123's known answers, bit for bit", async () => {
    const { words } = await gpuPhilox(KAT.map(([c, k]) => [...c, ...k]));
    KAT.forEach(([, , want], q) => expect(words[q]).toEqual(want));
  });

  it("equals philox.ts on random keys and counters, bit for bit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(u32, u32, u32, u32, u32, u32), { minLength: 1, maxLength: 300 }), async (tuples) => {
        const { words } = await gpuPhilox(tuples);
        tuples.forEach((t, q) => expect(words[q]).toEqual(Array.from(philox4x32(t[0], t[1], t[2], t[3], t[4], t[5]))));
      }),
      { numRuns: 8 },
    );
  });

  it("gives the normals of normals4 to f32 accuracy (the noise error used in the trajectory tolerances)", async () => {
    // Counters as the kernel uses them: (step, node, block, 0).
    const tuples: number[][] = [];
    for (let q = 0; q < 4096; q++) tuples.push([q * 7919, q % 37, q % 3, 0, 12345 + q, q % 5]);
    const { words, normals } = await gpuPhilox(tuples);
    let worst = 0;
    tuples.forEach((t, q) => {
      expect(words[q]).toEqual(Array.from(philox4x32(t[0]!, t[1]!, t[2]!, 0, t[4]!, t[5]!)));
      const want = normals4(t[4]!, t[5]!, t[1]!, t[0]!, t[2]!);
      for (let i = 0; i < 4; i++) worst = Math.max(worst, Math.abs(normals[q]![i]! - want[i]!) / (1 + Math.abs(want[i]!)));
    });
    // Box–Muller in f32: u24 rounding (2^-25 relative), log/sqrt/sin/cos to a few ulp → ~1e-6.
    if (process.env.BRAINFIT_VERBOSE) console.log(`worst f32 normal error: ${worst}`);
    expect(worst).toBeLessThan(NORMAL_TOLERANCE);
  });

  it("keeps log(u) and the angle accurate at the edges of the uniform's range (u next to 0, ½ and 1)", async () => {
    const tops = [0, 1, 2, 0x7ffffe, 0x7fffff, 0x800000, 0x800001, 0xfbffff, 0xfc0000, 0xfc0001, 0xfffff0, 0xfffffe, 0xffffff];
    const words = Uint32Array.from(tops.flatMap((k) => [(k << 8) >>> 0, ((k << 8) | 0xff) >>> 0]));
    const out = new Float32Array((await runCompute(PHILOX_TEST_SHADER, "edges", words, 2 * words.length, 1)).buffer);
    words.forEach((w, q) => {
      const u = uniform24(w);
      const logu = Math.log(u);
      expect(Math.abs(out[2 * q]! - logu)).toBeLessThanOrEqual(16 * 2 ** -24 * Math.abs(logu));
      const angle = 2 * Math.PI * (u - 0.5);
      expect(Math.abs(out[2 * q + 1]! - angle)).toBeLessThanOrEqual(2 * 2 ** -24 * Math.abs(angle) + 1e-12);
    });
  });
});
