import { describe, expect, it } from "vitest";
import { absSumOf, dotOf, squaredDeviationsOf, sumOf } from "../../../src/engine/math/sums.js";
import { seededRandom } from "../../../src/engine/rng.js";

/** Ranges with every remainder mod 4, empty ones, and offsets that are not multiples of four. */
const RANGES: [number, number][] = [[0, 0], [3, 3], [0, 1], [1, 3], [2, 7], [5, 9], [0, 64], [3, 100], [17, 118], [1, 1000]];

describe("sums over ranges (four running sums in float64)", () => {
  const random = seededRandom(4);
  // Small integers: every sum and product is exact, so any order of additions must give the same value.
  const ints = Float32Array.from({ length: 1200 }, () => Math.floor(random() * 41) - 20);
  const others = Float32Array.from({ length: 1200 }, () => Math.floor(random() * 17) - 8);
  const reals = Float32Array.from({ length: 1200 }, () => random() * 2 - 1);

  for (const [from, to] of RANGES) {
    it(`sum, |sum|, dot and squared deviations of [${from}, ${to}) equal the plain loops`, () => {
      let sum = 0, absSum = 0, dot = 0, sq = 0, realSum = 0, realScale = 0;
      for (let i = from; i < to; i++) {
        sum += ints[i]!;
        absSum += Math.abs(ints[i]!);
        dot += ints[i]! * others[i]!;
        const d = Math.fround(ints[i]! - 3);
        sq += d * d;
        realSum += reals[i]!;
        realScale += Math.abs(reals[i]!);
      }
      expect(sumOf(ints, from, to)).toBe(sum);
      expect(absSumOf(ints, from, to)).toBe(absSum);
      expect(dotOf(ints, others, from, to)).toBe(dot);
      expect(squaredDeviationsOf(ints, from, to, 3)).toBe(sq);
      // Real values: the same sum up to float64 rounding.
      expect(Math.abs(sumOf(reals, from, to) - realSum)).toBeLessThanOrEqual(1e-14 * realScale);
    });
  }

  it("rounds each deviation to float32 before squaring, as a float subtraction does", () => {
    const a = Float32Array.of(1 + 2 ** -20, 1, 1, 1, 1 + 2 ** -22);
    const mean = 1 + 2 ** -21 + 2 ** -50; // x - mean has more bits than a float holds
    let expected = 0, unrounded = 0;
    for (const x of a) {
      const d = Math.fround(x - mean);
      expected += d * d;
      unrounded += (x - mean) * (x - mean);
    }
    expect(expected).not.toBe(unrounded);
    expect(squaredDeviationsOf(a, 0, a.length, mean)).toBe(expected);
  });

  it("propagates NaN and infinities", () => {
    expect(sumOf(Float32Array.of(1, 2, NaN, 4, 5), 0, 5)).toBeNaN();
    expect(sumOf(Float32Array.of(1, 2, 3, 4, Infinity), 0, 5)).toBe(Infinity);
    expect(dotOf(Float32Array.of(0, 1), Float32Array.of(Infinity, 1), 0, 2)).toBeNaN();
  });
});
