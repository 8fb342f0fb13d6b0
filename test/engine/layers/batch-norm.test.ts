import { describe, expect, it } from "vitest";
import { batchNormLayer } from "../../../src/engine/layers/batch-norm.js";
import { scaleLayer } from "../../../src/engine/layers/scale.js";
import { biasLayer } from "../../../src/engine/layers/bias.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

/** float32 arithmetic on values of order 1. */
const FLOAT_TOLERANCE = 1e-5;
const MAF = Math.fround(0.999);
const EPS = Math.fround(1e-5);

const bn = (bp: object = {}) => ({ name: "bn", type: "BatchNorm", batch_norm_param: bp });

describe("BatchNorm", () => {
  // Two samples, two channels, two positions: channel 0 = {1, 3, 5, 7}, channel 1 = {2, 2, 2, 2}.
  const x = () => blobOf([2, 2, 2], [1, 3, 2, 2, 5, 7, 2, 2]);

  it("normalises with batch statistics in TRAIN and advances the running sums", () => {
    const { layer, tops } = runForward(batchNormLayer, bn(), [x()], replayableContext("TRAIN", 1));
    expect(layer.params.map((p) => p.shape)).toEqual([[2], [2], [1]]);
    const std0 = Math.sqrt(5 + EPS); // variance of {1,3,5,7} is 5
    expect(tops[0]!.data[0]).toBeCloseTo((1 - 4) / std0, 5);
    expect(tops[0]!.data[5]).toBeCloseTo((7 - 4) / std0, 5);
    expect(tops[0]!.data[2]).toBe(0);
    const [mean, variance, factor] = layer.params;
    expect(factor!.data[0]).toBe(1);
    expect([...mean!.data]).toEqual([4, 2]);
    expect(Math.abs(variance!.data[0]! - (5 * 4) / 3)).toBeLessThan(FLOAT_TOLERANCE); // m / (m - 1) correction
    expect(variance!.data[1]).toBe(0);
    layer.forward([x()], tops);
    expect(Math.abs(factor!.data[0]! - (MAF + 1))).toBeLessThan(FLOAT_TOLERANCE);
    expect(Math.abs(mean!.data[0]! - (4 * MAF + 4))).toBeLessThan(FLOAT_TOLERANCE);
  });

  it("uses stored sums divided by the factor in TEST (use_global_stats defaults to phase == TEST)", () => {
    const { layer, tops } = runForward(batchNormLayer, bn(), [x()], replayableContext("TEST", 1));
    layer.params[0]!.data.set([8, 0]);   // means 4, 0 after / 2
    layer.params[1]!.data.set([2, 18]);  // variances 1, 9
    layer.params[2]!.data[0] = 2;
    layer.forward([x()], tops);
    expect(tops[0]!.data[0]).toBeCloseTo((1 - 4) / Math.sqrt(1 + EPS), 5);
    expect(tops[0]!.data[2]).toBeCloseTo(2 / Math.sqrt(9 + EPS), 5);
    expect(layer.params[2]!.data[0]).toBe(2); // TEST never updates
  });

  it("treats a zero factor as scale 0 (fresh stats: y = x / sqrt(eps))", () => {
    const { tops } = runForward(batchNormLayer, bn({ use_global_stats: true }), [x()], replayableContext("TRAIN", 1));
    expect(tops[0]!.data[1]).toBeCloseTo(3 / Math.sqrt(EPS), 1);
  });

  it("honours eps and moving_average_fraction", () => {
    const { layer, tops } = runForward(batchNormLayer, bn({ eps: 1, moving_average_fraction: 0.5 }), [x()], replayableContext("TRAIN", 1));
    layer.forward([x()], tops);
    expect(layer.params[2]!.data[0]).toBe(1.5);
    expect(tops[0]!.data[0]).toBeCloseTo(-3 / Math.sqrt(6), 5);
  });

  for (const [name, shape, bp, phase] of [
    ["TRAIN batch stats 4-d", [3, 2, 2, 3], {}, "TRAIN"],
    ["TRAIN batch stats 2-d", [5, 3], {}, "TRAIN"],
    ["global stats in TRAIN", [2, 3, 2, 2], { use_global_stats: true }, "TRAIN"],
  ] as const) {
    it(`has correct gradients: ${name}`, () => {
      const r = checkGradients(batchNormLayer, bn(bp), [randomBlob([...shape], seededRandom(21))], 1,
        { phase, params: false, step: 1e-3, threshold: 2e-2 });
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }

  it("works in place", () => {
    const a = randomBlob([2, 3, 2], seededRandom(2));
    const b = randomBlob([2, 3, 2], seededRandom(2));
    const separate = runForward(batchNormLayer, bn(), [a], replayableContext("TRAIN", 1));
    const layer = batchNormLayer.create({ name: "bn", type: "BatchNorm" }, [b], replayableContext("TRAIN", 1));
    layer.reshape([b], [b]);
    layer.forward([b], [b]);
    expect([...b.data]).toEqual([...separate.tops[0]!.data]);
    const g = randomBlob([2, 3, 2], seededRandom(3));
    separate.tops[0]!.diff.set(g.data);
    b.diff.set(g.data);
    separate.layer.backward(separate.tops, [true], [a]);
    layer.backward([b], [true], [b]);
    expect([...b.diff]).toEqual([...a.diff]);
  });
});

describe("Scale and Bias", () => {
  it("scales per channel with a learned scale (filler default 1) and bias", () => {
    const x = blobOf([1, 2, 2], [1, 2, 3, 4]);
    const { layer, tops } = runForward(scaleLayer, { name: "s", type: "Scale", scale_param: { bias_term: true } }, [x], replayableContext("TRAIN", 1));
    expect(layer.params.map((p) => p.shape)).toEqual([[2], [2]]);
    expect([...tops[0]!.data]).toEqual([1, 2, 3, 4]);
    layer.params[0]!.data.set([2, -1]);
    layer.params[1]!.data.set([0.5, 1]);
    layer.forward([x], tops);
    expect([...tops[0]!.data]).toEqual([2.5, 4.5, -2, -3]);
  });

  it("takes the scale from a second bottom with axis 0 and num_axes covering two axes", () => {
    const x = blobOf([2, 2], [1, 2, 3, 4]);
    const s = blobOf([2, 2], [1, 10, 100, 1000]);
    const { tops } = runForward(scaleLayer, { name: "s", type: "Scale", scale_param: { axis: 0 } }, [x, s], replayableContext("TRAIN", 1));
    expect([...tops[0]!.data]).toEqual([1, 20, 300, 4000]);
  });

  const scaleCases: [string, object, number[][]][] = [
    ["axis 1 learned, bias", { bias_term: true, filler: { type: "gaussian" }, bias_filler: { type: "gaussian" } }, [[2, 3, 2, 2]]],
    ["axis 1, num_axes 2", { num_axes: 2, filler: { type: "gaussian" } }, [[2, 3, 2, 2]]],
    ["num_axes 0 (scalar)", { num_axes: 0, filler: { type: "gaussian" } }, [[2, 3, 2]]],
    ["num_axes -1 from axis 2", { axis: 2, num_axes: -1, filler: { type: "gaussian" } }, [[2, 3, 2, 2]]],
    ["second bottom, bias", { axis: 1, bias_term: true, bias_filler: { type: "gaussian" } }, [[2, 3, 2, 2], [3, 2]]],
  ];
  for (const [name, sp, shapes] of scaleCases) {
    it(`Scale has correct gradients: ${name}`, () => {
      const random = seededRandom(31);
      const r = checkGradients(scaleLayer, { name: "s", type: "Scale", scale_param: sp }, shapes.map((s) => randomBlob(s, random)), 1);
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }

  it("Scale in place keeps x for the scale gradient", () => {
    const x = randomBlob([2, 3], seededRandom(1));
    const copy = Float32Array.from(x.data);
    const layer = scaleLayer.create({ name: "s", type: "Scale", scale_param: { filler: { type: "constant", value: 3 } } }, [x], replayableContext("TRAIN", 1));
    layer.reshape([x], [x]);
    layer.forward([x], [x]);
    x.diff.fill(1);
    layer.backward([x], [true], [x]);
    for (let d = 0; d < 3; d++) expect(layer.params[0]!.diff[d]).toBeCloseTo(copy[d]! + copy[3 + d]!, 6);
    expect([...x.diff]).toEqual([3, 3, 3, 3, 3, 3]);
  });

  for (const [name, bp, shapes] of [
    ["learned, axis 1", { filler: { type: "gaussian" } }, [[2, 3, 2]]],
    ["second bottom, axis 0", { axis: 0 }, [[2, 3, 2], [2, 3]]],
  ] as const) {
    it(`Bias has correct gradients: ${name}`, () => {
      const random = seededRandom(41);
      const r = checkGradients(biasLayer, { name: "b", type: "Bias", bias_param: bp }, shapes.map((s) => randomBlob([...s], random)), 1);
      expect(r.checked).toBeGreaterThan(0);
      expect(r.failures).toEqual([]);
    });
  }
});
