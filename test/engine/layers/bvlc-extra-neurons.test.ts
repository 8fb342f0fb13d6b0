/**
 * The element-wise BVLC layers: AbsVal, BNLL, Clip, Exp, Log, Swish, Threshold.
 * Values against hand-computed references, Caffe's special cases, and
 * gradients against finite differences (kinks skipped).
 */
import { describe, expect, it } from "vitest";
import { absValLayer } from "../../../src/engine/layers/abs-val.js";
import { bnllLayer } from "../../../src/engine/layers/bnll.js";
import { clipLayer } from "../../../src/engine/layers/clip.js";
import { expLayer } from "../../../src/engine/layers/exp.js";
import { logLayer } from "../../../src/engine/layers/log.js";
import { swishLayer } from "../../../src/engine/layers/swish.js";
import { thresholdLayer } from "../../../src/engine/layers/threshold.js";
import { LayerSetupError } from "../../../src/engine/layers/params.js";
import { seededRandom } from "../../../src/engine/rng.js";
import { blobOf, checkGradients, randomBlob, replayableContext, runForward } from "../gradient-check.js";

/** Relative tolerance for float32 results of a few operations against float64 references. */
const FLOAT_TOLERANCE = 1e-6;
/** Half-width of the band around a kink whose elements the gradient check skips (the FD step is 1e-2). */
const KINK = 2e-2;

type Def = Parameters<typeof runForward>[0];
const ctx = () => replayableContext("TRAIN", 1);

function values(def: Def, param: object, xs: number[]): number[] {
  return [...runForward(def, { name: "n", ...param }, [blobOf([xs.length], xs)], ctx()).tops[0]!.data];
}

function expectClose(actual: number[], expected: number[], tolerance = FLOAT_TOLERANCE): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    const e = expected[i]!;
    if (!Number.isFinite(e)) expect(v).toBe(e);
    else expect(Math.abs(v - e)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e)));
  });
}

/** dx for the given x and dy after one forward and backward pass. */
function inputGradient(def: Def, param: object, xs: number[], dys: number[]): number[] {
  const x = blobOf([xs.length], xs);
  const { layer, tops } = runForward(def, { name: "n", ...param }, [x], ctx());
  tops[0]!.diff.set(dys);
  layer.backward(tops, [true], [x]);
  return [...x.diff];
}

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

describe("element-wise BVLC layers: values", () => {
  it("AbsVal takes |x|, keeps the shape and passes sign(x) dy with sign(0) = 0", () => {
    const { tops } = runForward(absValLayer, { name: "a", type: "AbsVal" }, [blobOf([1, 2, 2], [-2, 0, 3.5, -0.25])], ctx());
    expect(tops[0]!.shape).toEqual([1, 2, 2]);
    expect([...tops[0]!.data]).toEqual([2, 0, 3.5, 0.25]);
    expect(inputGradient(absValLayer, { type: "AbsVal" }, [-2, 0, 3], [5, 5, 5])).toEqual([-5, 0, 5]);
  });

  it("AbsVal refuses to run in place, as Caffe does", () => {
    const x = blobOf([2], [1, -1]);
    const layer = absValLayer.create({ name: "a", type: "AbsVal" }, [x], ctx());
    expect(() => layer.reshape([x], [x])).toThrow(LayerSetupError);
    expect(() => layer.reshape([x], [x])).toThrow(/layer "a" \(AbsVal\).*in-place/);
  });

  it("BNLL is log(1 + e^x) by both branches, 0 below about -37 (Caffe's log(1 + exp) in double), and e/(e+1) dy backward", () => {
    const xs = [-1, 0, 2, -40, 60];
    expectClose(values(bnllLayer, { type: "BNLL" }, xs), [Math.log(1 + Math.exp(-1)), Math.LN2, 2 + Math.log(1 + Math.exp(-2)), 0, 60]);
    // Gradient: sigmoid(x), with the exponent capped at 50 (so 1 for large x, never NaN).
    expectClose(inputGradient(bnllLayer, { type: "BNLL" }, [0, 2, 1000], [2, 1, 3]), [1, sigmoid(2), 3]);
  });

  it("Clip bounds to [min, max] and passes the gradient on the closed interval only", () => {
    const param = { type: "Clip", clip_param: { min: -1, max: 2 } };
    expect(values(clipLayer, param, [-3, -1, 0.5, 2, 5])).toEqual([-1, -1, 0.5, 2, 2]);
    expect(inputGradient(clipLayer, param, [-3, -1, 0.5, 2, 5], [1, 2, 3, 4, 5])).toEqual([0, 2, 3, 4, 0]);
  });

  it("Clip in place reads the clipped value back, so the whole gradient passes (as Caffe's does)", () => {
    const x = blobOf([3], [-3, 0.5, 5]);
    const layer = clipLayer.create({ name: "c", type: "Clip", clip_param: { min: -1, max: 2 } }, [x], ctx());
    layer.reshape([x], [x]);
    layer.forward([x], [x]);
    expect([...x.data]).toEqual([-1, 0.5, 2]);
    x.diff.set([1, 2, 3]);
    layer.backward([x], [true], [x]);
    expect([...x.diff]).toEqual([1, 2, 3]);
  });

  it("Clip requires both bounds", () => {
    expect(() => runForward(clipLayer, { name: "c", type: "Clip", clip_param: { min: 0 } }, [blobOf([1], [1])], ctx())).toThrow(/clip_param.min and clip_param.max are required/);
    expect(() => runForward(clipLayer, { name: "c", type: "Clip" }, [blobOf([1], [1])], ctx())).toThrow(LayerSetupError);
  });

  it("Exp is e^x by default and base^(shift + scale x) otherwise, with dx = dy y ln(base) scale", () => {
    expectClose(values(expLayer, { type: "Exp" }, [0, 1, -2]), [1, Math.E, Math.exp(-2)]);
    const param = { type: "Exp", exp_param: { base: 2, scale: 3, shift: 1 } };
    expectClose(values(expLayer, param, [0, 1, -0.5]), [2, 16, Math.SQRT1_2]);
    expectClose(inputGradient(expLayer, param, [0, 1], [1, 0.5]), [2 * 3 * Math.LN2, 0.5 * 16 * 3 * Math.LN2]);
  });

  it("Exp and Log refuse a non-positive base other than -1, and Log refuses base 1", () => {
    for (const def of [expLayer, logLayer]) {
      const field = def === expLayer ? "exp_param" : "log_param";
      expect(() => runForward(def, { name: "e", type: def.type, [field]: { base: -2 } }, [blobOf([1], [1])], ctx())).toThrow(/base must be strictly positive/);
      expect(() => runForward(def, { name: "e", type: def.type, [field]: { base: 0 } }, [blobOf([1], [1])], ctx())).toThrow(LayerSetupError);
    }
    expect(() => runForward(logLayer, { name: "l", type: "Log", log_param: { base: 1 } }, [blobOf([1], [1])], ctx())).toThrow(/1 \/ log\(base\) is not finite/);
    // Exp with base 1 is allowed (a constant base^shift).
    expectClose(values(expLayer, { type: "Exp", exp_param: { base: 1, shift: 3 } }, [5, -5]), [1, 1]);
  });

  it("Log is ln(x) by default, log_base(shift + scale x) otherwise, -Inf at 0 and NaN below", () => {
    expectClose(values(logLayer, { type: "Log" }, [1, Math.E, 0.5]), [0, 1, Math.log(0.5)]);
    const both = values(logLayer, { type: "Log" }, [0, -1]);
    expect(both[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(both[1]).toBeNaN();
    const param = { type: "Log", log_param: { base: 10, scale: 2, shift: 1 } };
    expectClose(values(logLayer, param, [0, 4.5, 49.5]), [0, 1, 2]);
    // dx = dy * scale / (ln(base) (shift + scale x))
    expectClose(inputGradient(logLayer, param, [0, 4.5], [1, 3]), [2 / Math.LN10, (3 * 2) / (Math.LN10 * 10)]);
  });

  it("Swish is x sigmoid(beta x), with dx = dy (beta y + s (1 - beta y))", () => {
    expectClose(values(swishLayer, { type: "Swish" }, [-1, 0, 2]), [-sigmoid(-1), 0, 2 * sigmoid(2)]);
    const param = { type: "Swish", swish_param: { beta: 2 } };
    expectClose(values(swishLayer, param, [-1, 0.5]), [-sigmoid(-2), 0.5 * sigmoid(1)]);
    const d = (x: number) => sigmoid(2 * x) + 2 * x * sigmoid(2 * x) * (1 - sigmoid(2 * x));
    expectClose(inputGradient(swishLayer, param, [-1, 0.5], [1, 2]), [d(-1), 2 * d(0.5)]);
  });

  it("Swish in place gives the same values and gradient as out of place", () => {
    const xs = [-1.5, -0.2, 0.7, 3];
    const separate = inputGradient(swishLayer, { type: "Swish" }, xs, [1, -1, 2, 0.5]);
    const x = blobOf([4], xs);
    const layer = swishLayer.create({ name: "s", type: "Swish" }, [x], ctx());
    layer.reshape([x], [x]);
    layer.forward([x], [x]);
    expectClose([...x.data], xs.map((v) => v * sigmoid(v)));
    x.diff.set([1, -1, 2, 0.5]);
    layer.backward([x], [true], [x]);
    expectClose([...x.diff], separate);
  });

  it("Threshold gives 1 strictly above the threshold, else 0", () => {
    expect(values(thresholdLayer, { type: "Threshold" }, [-1, 0, 1e-3])).toEqual([0, 0, 1]);
    expect(values(thresholdLayer, { type: "Threshold", threshold_param: { threshold: 0.5 } }, [0.4, 0.5, 0.6])).toEqual([0, 0, 1]);
  });

  it("Threshold has no gradient: backward writes zeros, and force_backward does not ask for it", () => {
    const x = blobOf([3], [0.4, 0.5, 0.6]);
    const { layer, tops } = runForward(thresholdLayer, { name: "t", type: "Threshold" }, [x], ctx());
    x.diff.fill(7);
    tops[0]!.diff.fill(1);
    layer.backward(tops, [true], [x]);
    expect([...x.diff]).toEqual([0, 0, 0]);
    expect(layer.allowForceBackward?.(0)).toBe(false);
    // Without propagate_down it does not touch the diff at all.
    x.diff.fill(7);
    layer.backward(tops, [false], [x]);
    expect([...x.diff]).toEqual([7, 7, 7]);
  });

  it("the element-wise layers keep the bottom's shape", () => {
    for (const [def, param] of [
      [absValLayer, {}], [bnllLayer, {}], [clipLayer, { clip_param: { min: 0, max: 1 } }], [expLayer, {}],
      [logLayer, {}], [swishLayer, {}], [thresholdLayer, {}],
    ] as const) {
      const { tops } = runForward(def, { name: "n", type: def.type, ...param }, [randomBlob([2, 3, 1, 2], seededRandom(3), 0.5, 1)], ctx());
      expect(tops[0]!.shape).toEqual([2, 3, 1, 2]);
      expect(tops[0]!.data.length).toBe(12);
    }
  });
});

describe("element-wise BVLC layers: gradients", () => {
  const nearZero = (kind: string, _b: number, _i: number, v: number) => kind === "bottom" && Math.abs(v) < KINK;
  const nearBounds = (lo: number, hi: number) => (kind: string, _b: number, _i: number, v: number) =>
    kind === "bottom" && (Math.abs(v - lo) < KINK || Math.abs(v - hi) < KINK);
  type Case = [string, Def, object, { lo?: number; hi?: number; skip?: typeof nearZero }];
  const cases: Case[] = [
    ["AbsVal", absValLayer, { type: "AbsVal" }, { skip: nearZero }],
    ["BNLL", bnllLayer, { type: "BNLL" }, { lo: -4, hi: 4 }],
    ["Clip", clipLayer, { type: "Clip", clip_param: { min: -0.5, max: 1 } }, { skip: nearBounds(-0.5, 1) }],
    ["Exp", expLayer, { type: "Exp" }, { lo: -1, hi: 1 }],
    ["Exp base 2 scale 0.5 shift 1", expLayer, { type: "Exp", exp_param: { base: 2, scale: 0.5, shift: 1 } }, {}],
    ["Log", logLayer, { type: "Log" }, { lo: 0.5, hi: 3 }],
    ["Log base 2 scale 2 shift 1", logLayer, { type: "Log", log_param: { base: 2, scale: 2, shift: 1 } }, { lo: 0, hi: 2 }],
    ["Swish", swishLayer, { type: "Swish" }, {}],
    ["Swish beta 1.5", swishLayer, { type: "Swish", swish_param: { beta: 1.5 } }, {}],
  ];
  for (const [name, def, param, o] of cases) {
    it(name, () => {
      const bottom = randomBlob([2, 3, 4], seededRandom(17), o.lo ?? -2, o.hi ?? 2);
      const r = checkGradients(def, { name: "n", ...param }, [bottom], 1, { skip: o.skip });
      expect(r.checked).toBeGreaterThan(12);
      expect(r.failures).toEqual([]);
    });
  }
});
