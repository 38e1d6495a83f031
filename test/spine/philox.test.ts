import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mulhi32, normals4, philox4x32, uniform24 } from "../../src/noise/philox.ts";

// Random123's kat_vectors, "philox4x32 10" lines: counter (4 words), key (2 words) → output.
const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
];

describe("Philox4x32-10", () => {
  it("matches the Random123 known-answer vectors", () => {
    for (const [c, k, want] of KAT) {
      expect(Array.from(philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!))).toEqual(want);
    }
  });
  it("mulhi32 equals the BigInt product's high word", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
        expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
      }),
      { numRuns: 2000 },
    );
  });
  it("uniforms lie strictly inside (0, 1) and normals have unit moments", () => {
    expect(uniform24(0)).toBeGreaterThan(0);
    expect(uniform24(0xffffffff)).toBeLessThan(1);
    let s = 0, s2 = 0, s4 = 0;
    const N = 40000;
    const z = new Float64Array(4);
    for (let i = 0; i < N / 4; i++) {
      normals4(7, 3, i % 97, i, 0, z);
      for (const v of z) {
        s += v;
        s2 += v * v;
        s4 += v ** 4;
      }
    }
    expect(Math.abs(s / N)).toBeLessThan(0.03);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.03);
    expect(Math.abs(s4 / N - 3)).toBeLessThan(0.2);
  });
});
