import { describe, expect, it } from "vitest";
import { fillBlob, fanSizes, FillerError } from "../../src/engine/fillers.js";
import { seededRandom, gaussian } from "../../src/engine/rng.js";
import { makeBlob } from "../../src/engine/blob.js";

/** Sample moments of 10^5 draws are within a few standard errors of the truth. */
const MOMENT_TOLERANCE = 0.02;

function moments(a: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (const x of a) s += x;
  const mean = s / a.length;
  let v = 0;
  for (const x of a) v += (x - mean) ** 2;
  return { mean, std: Math.sqrt(v / a.length) };
}

describe("seededRandom", () => {
  it("is reproducible per seed, differs across seeds and stays in [0, 1)", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.slice(0, 5)).not.toEqual(Array.from({ length: 5 }, () => c()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it("gives standard normal deviates", () => {
    const r = seededRandom(3);
    const a = Float32Array.from({ length: 100000 }, () => gaussian(r));
    const m = moments(a);
    expect(Math.abs(m.mean)).toBeLessThan(MOMENT_TOLERANCE);
    expect(Math.abs(m.std - 1)).toBeLessThan(MOMENT_TOLERANCE);
  });
});

describe("fillBlob", () => {
  it("defaults to constant 0 and honours value", () => {
    const b = makeBlob([2, 3]);
    b.data.fill(7);
    fillBlob(b, undefined, seededRandom(1));
    expect(Array.from(b.data)).toEqual([0, 0, 0, 0, 0, 0]);
    fillBlob(b, { type: "constant", value: 0.5 }, seededRandom(1));
    expect(Array.from(b.data)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it("uniform stays in [min, max] with the right mean", () => {
    const b = makeBlob([100000]);
    fillBlob(b, { type: "uniform", min: -2, max: 4 }, seededRandom(2));
    expect(Math.min(...b.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...b.data)).toBeLessThanOrEqual(4);
    expect(Math.abs(moments(b.data).mean - 1)).toBeLessThan(MOMENT_TOLERANCE * 3);
  });

  it("gaussian has the given mean and std; sparse keeps about sparse/num_outputs of the weights", () => {
    const b = makeBlob([10, 10000]);
    fillBlob(b, { type: "gaussian", mean: 1, std: 0.5 }, seededRandom(3));
    const m = moments(b.data);
    expect(Math.abs(m.mean - 1)).toBeLessThan(MOMENT_TOLERANCE);
    expect(Math.abs(m.std - 0.5)).toBeLessThan(MOMENT_TOLERANCE);
    fillBlob(b, { type: "gaussian", std: 1, sparse: 3 }, seededRandom(4));
    const nonZero = b.data.filter((x) => x !== 0).length / b.data.length;
    expect(Math.abs(nonZero - 0.3)).toBeLessThan(MOMENT_TOLERANCE);
  });

  it("xavier is uniform in +-sqrt(3/n) with n from variance_norm (fan_in = count/shape[0], fan_out = count/shape[1])", () => {
    const shape = [20, 50, 3, 3];
    expect(fanSizes(shape)).toEqual({ fanIn: 450, fanOut: 180 });
    for (const [norm, n] of [["FAN_IN", 450], ["FAN_OUT", 180], ["AVERAGE", 315]] as const) {
      const b = makeBlob(shape);
      fillBlob(b, { type: "xavier", variance_norm: norm }, seededRandom(5));
      const bound = Math.sqrt(3 / n);
      const maxAbs = Math.max(...b.data.map(Math.abs));
      expect(maxAbs).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(maxAbs).toBeGreaterThan(bound * 0.99);
    }
  });

  it("msra is gaussian with std sqrt(2/n)", () => {
    const b = makeBlob([8, 64, 5, 5]);
    fillBlob(b, { type: "msra", variance_norm: "FAN_OUT" }, seededRandom(6));
    const m = moments(b.data);
    const expectedStd = Math.sqrt(2 / (8 * 25));
    expect(Math.abs(m.std / expectedStd - 1)).toBeLessThan(MOMENT_TOLERANCE);
  });

  it("bilinear builds the separable upsampling kernel", () => {
    const b = makeBlob([1, 1, 4, 4]);
    fillBlob(b, { type: "bilinear" }, seededRandom(7));
    // kernel 4: f = 2, c = 0.75, 1 - |x/f - c| = [0.25, 0.75, 0.75, 0.25]
    const w = [0.25, 0.75, 0.75, 0.25];
    const expected = w.flatMap((wy) => w.map((wx) => wx * wy));
    expect(Array.from(b.data)).toEqual(expected);
    expect(() => fillBlob(makeBlob([1, 1, 3, 4]), { type: "bilinear" }, seededRandom(7))).toThrow(/square/);
  });

  it("positive_unitball rows are positive and sum to one", () => {
    const b = makeBlob([4, 6]);
    fillBlob(b, { type: "positive_unitball" }, seededRandom(8));
    for (let r = 0; r < 4; r++) {
      const row = b.data.subarray(r * 6, r * 6 + 6);
      expect(Math.min(...row)).toBeGreaterThan(0);
      expect(row.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 5);
    }
  });

  it("rejects unknown types and sparsity where Caffe does", () => {
    const b = makeBlob([2, 2]);
    expect(() => fillBlob(b, { type: "glorot" }, seededRandom(1))).toThrow(FillerError);
    expect(() => fillBlob(b, { type: "xavier", sparse: 2 }, seededRandom(1))).toThrow(/sparse/);
    expect(() => fillBlob(b, { type: "gaussian", std: 0 }, seededRandom(1))).toThrow(/std > 0 \(got std: 0\)/);
    expect(() => fillBlob(b, { type: "uniform", min: 1, max: -1 }, seededRandom(1))).toThrow(/min: 1, max: -1/);
  });
});
