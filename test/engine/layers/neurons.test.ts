import { describe, expect, it } from "vitest";
import { eluLayer } from "../../../src/engine/layers/elu.js";
import { sigmoidLayer } from "../../../src/engine/layers/sigmoid.js";
import { tanhLayer } from "../../../src/engine/layers/tanh.js";
import { powerLayer } from "../../../src/engine/layers/power.js";
import { preluLayer } from "../../../src/engine/layers/prelu.js";
import { dropoutLayer } from "../../../src/engine/layers/dropout.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

const FLOAT_TOLERANCE = 1e-6;
const KINK = 2e-2;
const nearZero = (kind: string, _b: number, _i: number, v: number) => kind === "bottom" && Math.abs(v) < KINK;
const ctx = (phase: "TRAIN" | "TEST" = "TRAIN") => replayableContext(phase, 1);

function values(def: Parameters<typeof runForward>[0], param: object, xs: number[]): number[] {
  return [...runForward(def, { name: "n", ...param }, [blobOf([xs.length], xs)], ctx()).tops[0]!.data];
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(FLOAT_TOLERANCE * Math.max(1, Math.abs(expected[i]!))));
}

describe("element-wise layers: values", () => {
  it("ELU", () => expectClose(values(eluLayer, { type: "ELU", elu_param: { alpha: 2 } }, [-1, 0, 3]), [2 * (Math.exp(-1) - 1), 0, 3]));
  it("Sigmoid", () => expectClose(values(sigmoidLayer, { type: "Sigmoid" }, [-2, 0, 5]), [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-5))]));
  it("TanH", () => expectClose(values(tanhLayer, { type: "TanH" }, [-1, 0.5]), [Math.tanh(-1), Math.tanh(0.5)]));
  it("Power", () => {
    expectClose(values(powerLayer, { type: "Power", power_param: { power: 2, scale: 3, shift: 1 } }, [-1, 0, 2]), [4, 1, 49]);
    expectClose(values(powerLayer, { type: "Power", power_param: { power: 0 } }, [5, -3]), [1, 1]);
    expectClose(values(powerLayer, { type: "Power", power_param: { scale: 0, shift: 2, power: 3 } }, [5]), [8]);
  });
  it("PReLU with the default slope 0.25", () => {
    const { layer, tops } = runForward(preluLayer, { name: "p", type: "PReLU" }, [blobOf([1, 2, 2], [-4, 4, -8, 8])], ctx());
    expect(layer.params[0]!.shape).toEqual([2]);
    expect([...tops[0]!.data]).toEqual([-1, 4, -2, 8]);
    const shared = runForward(preluLayer, { name: "p", type: "PReLU", prelu_param: { channel_shared: true } }, [blobOf([1, 2, 1], [-4, 4])], ctx());
    expect(shared.layer.params[0]!.shape).toEqual([1]);
  });
  it("PReLU's gradients multiply by (x > 0) and (x <= 0) as Caffe does: an infinite input makes the slope's gradient NaN", () => {
    const x = blobOf([1, 1, 4], [Number.POSITIVE_INFINITY, -2, 3, Number.NaN]);
    const { layer, tops } = runForward(preluLayer, { name: "p", type: "PReLU" }, [x], ctx());
    tops[0]!.diff.set([1, 1, 1, 1]);
    layer.backward(tops, [true], [x]);
    expect(layer.params[0]!.diff[0]).toBeNaN(); // 1 * Inf * 0, as Caffe's top_diff * bottom_data * (bottom_data <= 0)
    expect([...x.diff]).toEqual([1, 0.25, 1, 0]); // NaN: neither comparison holds
    const finite = blobOf([1, 1, 3], [-2, 3, -0.5]);
    const run = runForward(preluLayer, { name: "p", type: "PReLU" }, [finite], ctx());
    run.tops[0]!.diff.set([1, 2, 4]);
    run.layer.backward(run.tops, [true], [finite]);
    expect(run.layer.params[0]!.diff[0]).toBe(-2 * 1 + -0.5 * 4);
  });
});

describe("element-wise layers: gradients", () => {
  const cases: [string, Parameters<typeof checkGradients>[0], object, { lo?: number; hi?: number; skip?: typeof nearZero }][] = [
    ["ELU", eluLayer, { type: "ELU" }, { skip: nearZero }],
    ["ELU alpha 0.5", eluLayer, { type: "ELU", elu_param: { alpha: 0.5 } }, { skip: nearZero }],
    ["Sigmoid", sigmoidLayer, { type: "Sigmoid" }, {}],
    ["TanH", tanhLayer, { type: "TanH" }, {}],
    ["Power 2 with shift", powerLayer, { type: "Power", power_param: { power: 2, scale: 0.5, shift: 1 } }, {}],
    ["Power 3 without shift", powerLayer, { type: "Power", power_param: { power: 3, scale: 2 } }, { lo: 0.5, hi: 2 }],
    ["Power 0.5 with shift", powerLayer, { type: "Power", power_param: { power: 0.5, scale: 1, shift: 2 } }, {}],
    ["Power 1", powerLayer, { type: "Power", power_param: { scale: -2, shift: 1 } }, {}],
    ["PReLU", preluLayer, { type: "PReLU", prelu_param: { filler: { type: "uniform", min: -1, max: 1 } } }, { skip: nearZero }],
    ["PReLU shared", preluLayer, { type: "PReLU", prelu_param: { channel_shared: true } }, { skip: nearZero }],
    ["Dropout TRAIN", dropoutLayer, { type: "Dropout", dropout_param: { dropout_ratio: 0.3 } }, {}],
  ];
  for (const [name, def, param, o] of cases) {
    it(name, () => {
      const r = checkGradients(def, { name: "n", ...param }, [randomBlob([2, 3, 4], seededRandom(17), o.lo ?? -2, o.hi ?? 2)], 1, { skip: o.skip });
      expect(r.checked).toBeGreaterThan(12);
      expect(r.failures).toEqual([]);
    });
  }
});

describe("Dropout", () => {
  it("drops about p of the values in TRAIN and scales the rest by 1 / (1 - p)", () => {
    const x = blobOf([1000], new Array(1000).fill(1));
    const { tops } = runForward(dropoutLayer, { name: "d", type: "Dropout", dropout_param: { dropout_ratio: 0.2 } }, [x], ctx("TRAIN"));
    const kept = [...tops[0]!.data].filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1.25) < FLOAT_TOLERANCE)).toBe(true);
    expect(kept.length).toBeGreaterThan(740);
    expect(kept.length).toBeLessThan(860);
  });

  it("is the identity in TEST", () => {
    const x = randomBlob([10], seededRandom(1));
    const { tops } = runForward(dropoutLayer, { name: "d", type: "Dropout" }, [x], ctx("TEST"));
    expect([...tops[0]!.data]).toEqual([...x.data]);
  });
});
