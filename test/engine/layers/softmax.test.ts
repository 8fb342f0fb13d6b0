import { describe, expect, it } from "vitest";
import { softmaxLayer } from "../../../src/engine/layers/softmax.js";
import { softmaxWithLossLayer } from "../../../src/engine/layers/softmax-with-loss.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

/** -ln(FLT_MIN) as float32 prints 87.33654; Caffe's float accumulation gives that to ~1e-5. */
const SATURATED_LOSS = 87.33654;
const SATURATED_TOLERANCE = 1e-4;
const LOSS_TOLERANCE = 1e-6;

const swl = (extra: object = {}) => ({ name: "loss", type: "SoftmaxWithLoss", ...extra });
const ctx = () => replayableContext("TRAIN", 1);

describe("Softmax", () => {
  it("normalises along the axis", () => {
    const x = blobOf([1, 2, 2], [0, Math.log(3), 0, 0]);
    const { tops } = runForward(softmaxLayer, { name: "s", type: "Softmax" }, [x], ctx());
    // channel axis 1: positions j=0: (0, ln 3) -> (1/4, 3/4); j=1: (ln 3? no) -> values x[0,0,1]=ln3, x[0,1,1]=0
    expect(tops[0]!.data[0]).toBeCloseTo(0.5, 6); // exp(0) / (exp(0) + exp(0))
    expect(tops[0]!.data[1]).toBeCloseTo(0.75, 6);
    expect(tops[0]!.data[3]).toBeCloseTo(0.25, 6);
  });

  for (const axis of [1, 2, -1]) {
    it(`has correct gradients along axis ${axis}`, () => {
      const r = checkGradients(softmaxLayer, { name: "s", type: "Softmax", softmax_param: { axis } }, [randomBlob([2, 3, 4], seededRandom(3))], 1);
      expect(r.failures).toEqual([]);
    });
  }
});

describe("SoftmaxWithLoss", () => {
  it("costs ln(C) for uniform logits and is a default-weight-1 loss", () => {
    const x = blobOf([2, 4], new Array(8).fill(0.3));
    const labels = blobOf([2], [1, 3]);
    const { layer, tops } = runForward(softmaxWithLossLayer, swl(), [x, labels], ctx());
    expect(layer.defaultLossWeight).toBe(1);
    expect(layer.allowForceBackward?.(1)).toBe(false);
    expect(tops[0]!.shape).toEqual([]);
    expect(Math.abs(tops[0]!.data[0]! - Math.log(4))).toBeLessThan(LOSS_TOLERANCE);
  });

  it("costs -ln(FLT_MIN) = 87.33654 per saturated wrong sample", () => {
    const x = blobOf([2, 2], [0, 200, 0, 200]);
    const labels = blobOf([2], [0, 0]);
    const valid = runForward(softmaxWithLossLayer, swl(), [x, labels], ctx());
    expect(Math.abs(valid.tops[0]!.data[0]! - SATURATED_LOSS)).toBeLessThan(SATURATED_TOLERANCE);
    const none = runForward(softmaxWithLossLayer, swl({ loss_param: { normalization: "NONE" } }), [x, labels], ctx());
    expect(Math.abs(none.tops[0]!.data[0]! - 2 * SATURATED_LOSS)).toBeLessThan(2 * SATURATED_TOLERANCE);
  });

  describe("normalization over 2 samples x 3 positions with one ignored label", () => {
    const x = blobOf([2, 2, 3], new Array(12).fill(0)); // every probability is 1/2
    const labels = blobOf([2, 3], [0, 1, 5, 1, 0, 1]);
    const sum = 5 * Math.log(2);
    const cases: [object, number][] = [
      [{}, sum / 5], // VALID is the default
      [{ normalization: "VALID" }, sum / 5],
      [{ normalization: "FULL" }, sum / 6],
      [{ normalization: "BATCH_SIZE" }, sum / 2],
      [{ normalization: "NONE" }, sum],
      [{ normalize: false }, sum / 2],
      [{ normalize: true }, sum / 5],
      [{ normalize: false, normalization: "FULL" }, sum / 6],
    ];
    for (const [lp, expected] of cases) {
      it(`${JSON.stringify(lp)} -> ${expected.toFixed(5)}`, () => {
        const { tops } = runForward(softmaxWithLossLayer, swl({ loss_param: { ignore_label: 5, ...lp } }), [x, labels], ctx());
        expect(Math.abs(tops[0]!.data[0]! - expected)).toBeLessThan(LOSS_TOLERANCE);
      });
    }
  });

  it("outputs probabilities as a second top", () => {
    const { tops } = runForward(softmaxWithLossLayer, swl(), [blobOf([1, 2], [0, Math.log(3)]), blobOf([1], [1])], ctx(), 2);
    expect(tops[1]!.data[0]).toBeCloseTo(0.25, 6);
    expect(tops[1]!.data[1]).toBeCloseTo(0.75, 6);
  });

  it("rejects out-of-range labels", () => {
    expect(() => runForward(softmaxWithLossLayer, swl(), [blobOf([1, 2], [0, 0]), blobOf([1], [2])], ctx())).toThrow(/label 2/);
  });

  for (const lp of [{}, { normalization: "FULL" }, { normalization: "BATCH_SIZE" }, { normalization: "NONE" }, { ignore_label: 1 }]) {
    it(`has correct gradients with loss_param ${JSON.stringify(lp)}`, () => {
      const random = seededRandom(9);
      const x = randomBlob([3, 4, 2], random, -2, 2);
      const labels = blobOf([3, 2], [0, 1, 2, 3, 1, 1]);
      const r = checkGradients(softmaxWithLossLayer, swl({ loss_param: lp }), [x, labels], 1, { bottoms: [0] });
      expect(r.checked).toBe(24);
      expect(r.failures).toEqual([]);
    });
  }

  it("has correct gradients with softmax_param.axis 2 (labels per [N, C] position)", () => {
    const x = randomBlob([2, 2, 3], seededRandom(10), -2, 2);
    const labels = blobOf([2, 2], [0, 2, 1, 1]);
    const r = checkGradients(softmaxWithLossLayer, swl({ softmax_param: { axis: 2 } }), [x, labels], 1, { bottoms: [0] });
    expect(r.checked).toBe(12);
    expect(r.failures).toEqual([]);
  });

  it("zeroes the gradient of ignored positions", () => {
    const x = randomBlob([2, 3], seededRandom(1));
    const labels = blobOf([2], [7, 2]);
    const { layer, tops } = runForward(softmaxWithLossLayer, swl({ loss_param: { ignore_label: 7 } }), [x, labels], ctx());
    tops[0]!.diff[0] = 1;
    layer.backward(tops, [true, false], [x, labels]);
    expect([...x.diff.slice(0, 3)]).toEqual([0, 0, 0]);
    expect(x.diff[5]).toBeLessThan(0);
  });
});
