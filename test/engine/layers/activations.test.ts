import { describe, expect, it } from "vitest";
import { reluLayer } from "../../../src/engine/layers/relu.js";
import { splitLayer } from "../../../src/engine/layers/split.js";
import { seededRandom } from "../../../src/engine/rng.js";
import type { LayerDefinition } from "../../../src/engine/types.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

const ctx = () => replayableContext("TRAIN", 1);
/** Skip inputs within this distance of a kink at 0 (the finite-difference step is 1e-2). */
const KINK = 2e-2;
const nearZero = (_k: string, _b: number, _i: number, v: number) => Math.abs(v) < KINK;

describe("the gradient checker", () => {
  it("reports a wrong backward", () => {
    const doublingWithWrongGradient: LayerDefinition = {
      type: "Wrong", bottoms: { exact: 1 }, tops: { exact: 1 },
      create: () => ({
        params: [],
        reshape: (b, t) => { t[0]!.shape = [...b[0]!.shape]; t[0]!.data = new Float32Array(b[0]!.data.length); t[0]!.diff = new Float32Array(b[0]!.data.length); },
        forward: (b, t) => { b[0]!.data.forEach((v, i) => { t[0]!.data[i] = 2 * v; }); },
        backward: (t, _p, b) => { t[0]!.diff.forEach((v, i) => { b[0]!.diff[i] = v; }); },
      }),
    };
    const r = checkGradients(doublingWithWrongGradient, { name: "w", type: "Wrong" }, [randomBlob([4], seededRandom(1))], 1);
    expect(r.failures.length).toBe(4);
  });
});

describe("ReLU", () => {
  it("keeps positives and scales negatives by negative_slope", () => {
    const x = blobOf([4], [-2, -0.5, 0, 3]);
    expect([...runForward(reluLayer, { name: "r", type: "ReLU" }, [x], ctx()).tops[0]!.data]).toEqual([0, 0, 0, 3]);
    expect([...runForward(reluLayer, { name: "r", type: "ReLU", relu_param: { negative_slope: 0.25 } }, [x], ctx()).tops[0]!.data]).toEqual([-0.5, -0.125, 0, 3]);
  });

  for (const rp of [{}, { negative_slope: 0.1 }]) {
    it(`has correct gradients ${JSON.stringify(rp)}`, () => {
      const r = checkGradients(reluLayer, { name: "r", type: "ReLU", relu_param: rp }, [randomBlob([2, 3, 4], seededRandom(5))], 1, { skip: nearZero });
      expect(r.checked).toBeGreaterThan(15);
      expect(r.failures).toEqual([]);
    });
  }

  it("treats NaN and infinities as Caffe's max(x, 0) + slope * min(x, 0) and (x > 0) + slope * (x <= 0) do", () => {
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38, -1e-45];
    for (const slope of [0, 0.25]) {
      const x = blobOf([values.length], values);
      const layer = reluLayer.create({ name: "r", type: "ReLU", relu_param: { negative_slope: slope } }, [x], ctx());
      const y = blobOf([values.length], values.map(() => 0));
      layer.reshape([x], [y]);
      layer.forward([x], [y]);
      // -Inf gives 0 * -Inf = NaN with slope 0, as in Caffe; the smallest negative denormal times 0.25 rounds to -0.
      const expected = values.map((v) => Math.fround(Math.max(v, 0) + slope * Math.min(v, 0)));
      expect([...y.data].map(String)).toEqual(expected.map(String));
      y.diff.fill(2);
      layer.backward([y], [true], [x]);
      const factor = values.map((v) => (v > 0 ? 1 : 0) + slope * (v <= 0 ? 1 : 0)); // NaN: 0 (neither comparison holds)
      expect([...x.diff]).toEqual(factor.map((f) => 2 * f));
    }
  });

  it("works in place (top is the bottom blob)", () => {
    const x = blobOf([3], [-1, 2, -3]);
    const layer = reluLayer.create({ name: "r", type: "ReLU" }, [x], ctx());
    layer.reshape([x], [x]);
    layer.forward([x], [x]);
    expect([...x.data]).toEqual([0, 2, 0]);
    x.diff.set([5, 6, 7]);
    layer.backward([x], [true], [x]);
    expect([...x.diff]).toEqual([0, 6, 0]);
  });
});

describe("Split", () => {
  it("copies the bottom to every top and sums their gradients", () => {
    const x = blobOf([2], [1, 2]);
    const { tops } = runForward(splitLayer, { name: "s", type: "Split" }, [x], ctx(), 3);
    for (const t of tops) expect([...t.data]).toEqual([1, 2]);
    const r = checkGradients(splitLayer, { name: "s", type: "Split" }, [randomBlob([2, 3], seededRandom(1))], 3);
    expect(r.failures).toEqual([]);
  });
});
