import { describe, expect, it } from "vitest";
import { concatLayer } from "../../../src/engine/layers/concat.js";
import { sliceLayer } from "../../../src/engine/layers/slice.js";
import { eltwiseLayer } from "../../../src/engine/layers/eltwise.js";
import { flattenLayer } from "../../../src/engine/layers/flatten.js";
import { reshapeLayer } from "../../../src/engine/layers/reshape.js";
import { lrnLayer } from "../../../src/engine/layers/lrn.js";
import { layerRegistry } from "../../../src/engine/layers/index.js";
import { seededRandom } from "../../../src/engine/rng.js";
import type { Blob } from "../../../src/engine/types.js";
import { blobOf, checkGradients, distinctBlob, randomBlob, replayableContext, runForward } from "../gradient-check.js";

const ctx = () => replayableContext("TRAIN", 1);
const shapeOf = (def: Parameters<typeof runForward>[0], param: object, shape: number[]) =>
  runForward(def, { name: "l", ...param }, [randomBlob(shape, seededRandom(1))], ctx()).tops[0]!.shape;

describe("registry", () => {
  it("lists the supported types in sorted order, each under its own name", () => {
    const names = Object.keys(layerRegistry);
    expect(names).toEqual([...names].sort());
    for (const [name, def] of Object.entries(layerRegistry)) expect(def.type).toBe(name);
    for (const t of ["Input", "Data", "Convolution", "Pooling", "InnerProduct", "ReLU", "SoftmaxWithLoss", "Split", "BatchNorm", "Scale", "LRN", "Accuracy"]) {
      expect(layerRegistry[t]).toBeDefined();
    }
    expect(layerRegistry["Python"]).toBeUndefined();
  });
});

describe("Concat and Slice", () => {
  it("concatenates along channels and along axis 0 (legacy concat_dim)", () => {
    const a = blobOf([1, 1, 2], [1, 2]), b = blobOf([1, 2, 2], [3, 4, 5, 6]);
    const { tops } = runForward(concatLayer, { name: "c", type: "Concat" }, [a, b], ctx());
    expect(tops[0]!.shape).toEqual([1, 3, 2]);
    expect([...tops[0]!.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const c = runForward(concatLayer, { name: "c", type: "Concat", concat_param: { concat_dim: 0 } }, [blobOf([1, 2], [1, 2]), blobOf([2, 2], [3, 4, 5, 6])], ctx());
    expect(c.tops[0]!.shape).toEqual([3, 2]);
  });

  it("slices at slice_point and evenly without one", () => {
    const x = blobOf([2, 3], [1, 2, 3, 4, 5, 6]);
    const at = runForward(sliceLayer, { name: "s", type: "Slice", slice_param: { axis: 1, slice_point: [1] } }, [x], ctx(), 2);
    expect(at.tops.map((t) => [...t.data])).toEqual([[1, 4], [2, 3, 5, 6]]);
    const even = runForward(sliceLayer, { name: "s", type: "Slice", slice_param: { slice_dim: 0 } }, [x], ctx(), 2);
    expect(even.tops.map((t) => [...t.data])).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(() => runForward(sliceLayer, { name: "s", type: "Slice" }, [x], ctx(), 2)).toThrow(/evenly/);
  });

  it("have correct gradients", () => {
    const random = seededRandom(2);
    const r1 = checkGradients(concatLayer, { name: "c", type: "Concat", concat_param: { axis: 2 } }, [randomBlob([2, 2, 1, 2], random), randomBlob([2, 2, 3, 2], random)], 1);
    expect(r1.failures).toEqual([]);
    const r2 = checkGradients(sliceLayer, { name: "s", type: "Slice", slice_param: { axis: -1, slice_point: [1, 3] } }, [randomBlob([2, 3, 4], random)], 3);
    expect(r2.failures).toEqual([]);
    expect(r2.checked).toBe(24);
  });
});

describe("Eltwise", () => {
  const a = () => blobOf([3], [1, -2, 3]), b = () => blobOf([3], [4, 5, -6]);
  it("SUM with coeff, PROD, MAX", () => {
    const sum = runForward(eltwiseLayer, { name: "e", type: "Eltwise", eltwise_param: { coeff: [1, -1] } }, [a(), b()], ctx());
    expect([...sum.tops[0]!.data]).toEqual([-3, -7, 9]);
    const prod = runForward(eltwiseLayer, { name: "e", type: "Eltwise", eltwise_param: { operation: "PROD" } }, [a(), b()], ctx());
    expect([...prod.tops[0]!.data]).toEqual([4, -10, -18]);
    const max = runForward(eltwiseLayer, { name: "e", type: "Eltwise", eltwise_param: { operation: "MAX" } }, [a(), b(), blobOf([3], [0, 9, 0])], ctx());
    expect([...max.tops[0]!.data]).toEqual([4, 9, 3]);
  });

  for (const ep of [{}, { coeff: [0.5, -2, 1] }, { operation: "PROD" }, { operation: "PROD", stable_prod_grad: false }, { operation: "MAX" }]) {
    it(`has correct gradients ${JSON.stringify(ep)}`, () => {
      const random = seededRandom(5);
      // Distinct values across the three bottoms keep MAX away from ties; PROD avoids values near 0.
      const all = distinctBlob([3, 2, 3], random, 0.11);
      const bottoms: Blob[] = [0, 1, 2].map((k) => blobOf([2, 3], [...all.data.slice(6 * k, 6 * k + 6)].map((v) => v + (v >= 0 ? 0.3 : -0.3))));
      const r = checkGradients(eltwiseLayer, { name: "e", type: "Eltwise", eltwise_param: ep }, bottoms, 1);
      expect(r.checked).toBe(18);
      expect(r.failures).toEqual([]);
    });
  }
});

describe("Flatten and Reshape", () => {
  it("Flatten shapes", () => {
    expect(shapeOf(flattenLayer, { type: "Flatten" }, [2, 3, 4, 5])).toEqual([2, 60]);
    expect(shapeOf(flattenLayer, { type: "Flatten", flatten_param: { axis: 1, end_axis: 2 } }, [2, 3, 4, 5])).toEqual([2, 12, 5]);
  });

  it("Reshape shapes: 0 copies, -1 infers, axis/num_axes select a range", () => {
    expect(shapeOf(reshapeLayer, { type: "Reshape", reshape_param: { shape: { dim: ["0", "-1"] } } }, [2, 3, 4])).toEqual([2, 12]);
    expect(shapeOf(reshapeLayer, { type: "Reshape", reshape_param: { shape: { dim: ["2", "2"] }, axis: 1, num_axes: 1 } }, [3, 4, 5])).toEqual([3, 2, 2, 5]);
    expect(shapeOf(reshapeLayer, { type: "Reshape", reshape_param: { shape: { dim: ["1"] }, axis: -1, num_axes: 0 } }, [3, 4])).toEqual([3, 4, 1]);
    expect(() => shapeOf(reshapeLayer, { type: "Reshape", reshape_param: { shape: { dim: ["5"] } } }, [2, 3])).toThrow(/5 values/);
  });

  it("pass values and gradients through unchanged", () => {
    const r = checkGradients(reshapeLayer, { name: "r", type: "Reshape", reshape_param: { shape: { dim: ["-1"] } } }, [randomBlob([2, 3], seededRandom(1))], 1);
    expect(r.tops[0]!.shape).toEqual([6]);
    expect(r.failures).toEqual([]);
    expect(checkGradients(flattenLayer, { name: "f", type: "Flatten" }, [randomBlob([2, 3, 2], seededRandom(1))], 1).failures).toEqual([]);
  });
});

describe("LRN", () => {
  it("ACROSS_CHANNELS by hand: local_size 3 on one pixel with channels (1, 2, 3)", () => {
    const { tops } = runForward(lrnLayer, { name: "n", type: "LRN", lrn_param: { local_size: 3, alpha: 3, beta: 0.5, k: 2 } }, [blobOf([1, 3, 1, 1], [1, 2, 3])], ctx());
    const s = [2 + (1 + 4), 2 + (1 + 4 + 9), 2 + (4 + 9)];
    [1, 2, 3].forEach((x, c) => expect(tops[0]!.data[c]).toBeCloseTo(x / Math.sqrt(s[c]!), 6));
  });

  it("WITHIN_CHANNEL by hand ignores k and counts padding in the average", () => {
    const { tops } = runForward(lrnLayer, { name: "n", type: "LRN", lrn_param: { local_size: 3, alpha: 9, beta: 1, k: 100, norm_region: "WITHIN_CHANNEL" } }, [blobOf([1, 1, 1, 2], [1, 2])], ctx());
    // each 3x3 window (pad 1) covers both pixels; divisor 9: s = 1 + 9 * (1 + 4) / 9 = 6
    expect(tops[0]!.data[0]).toBeCloseTo(1 / 6, 6);
    expect(tops[0]!.data[1]).toBeCloseTo(2 / 6, 6);
  });

  for (const lp of [{}, { local_size: 3, alpha: 2, beta: 0.75, k: 1.5 }, { norm_region: "WITHIN_CHANNEL", local_size: 3, alpha: 2 }]) {
    it(`has correct gradients ${JSON.stringify(lp)}`, () => {
      const r = checkGradients(lrnLayer, { name: "n", type: "LRN", lrn_param: lp }, [randomBlob([2, 7, 3, 3], seededRandom(8))], 1);
      expect(r.checked).toBe(126);
      expect(r.failures).toEqual([]);
    });
  }
});
