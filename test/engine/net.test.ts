import { describe, expect, it } from "vitest";
import { buildNet, insertSplits, forward, backward, clearParamDiffs, NetError } from "../../src/engine/net.js";
import type { LayerContext } from "../../src/engine/types.js";
import { seededRandom } from "../../src/engine/rng.js";
import type { PlainMessage } from "../../src/schema/types.js";
import { mockRegistry } from "./mock-layers.js";

/** Finite-difference step and tolerance (float32 forward, quadratic losses). */
const FD_STEP = 1e-2;
const FD_RELATIVE_TOLERANCE = 2e-3;

function ctx(seed = 1): LayerContext {
  return { phase: "TRAIN", random: seededRandom(seed) };
}

function layer(name: string, type: string, bottom: string[], top: string[], extra: PlainMessage = {}): PlainMessage {
  return { name, type, bottom, top, ...extra };
}

describe("insertSplits", () => {
  it("splits a blob with two consumers after the last in-place producer, with Caffe's names", () => {
    const out = insertSplits([
      layer("src", "Const", [], ["c"]),
      layer("act", "Mul", ["c"], ["c"]),
      layer("a", "Mul", ["c"], ["a"]),
      layer("b", "Mul", ["c"], ["b"]),
    ]);
    expect(out.map((l) => l.name)).toEqual(["src", "act", "c_act_0_split", "a", "b"]);
    expect(out[2]!.bottom).toEqual(["c"]);
    expect(out[2]!.top).toEqual(["c_act_0_split_0", "c_act_0_split_1"]);
    expect(out[1]!.bottom).toEqual(["c"]); // the in-place layer still reads the producer's blob
    expect(out[3]!.bottom).toEqual(["c_act_0_split_0"]);
    expect(out[4]!.bottom).toEqual(["c_act_0_split_1"]);
  });

  it("counts an explicit loss weight as a consumer and moves it to the split's first copy", () => {
    const out = insertSplits([
      layer("src", "Const", [], ["c"]),
      layer("m", "Mul", ["c"], ["m"], { loss_weight: [2] }),
      layer("loss", "SqLoss", ["m"], ["l"]),
    ]);
    const split = out.find((l) => l.type === "Split")!;
    expect(split.name).toBe("m_m_0_split");
    expect(split.loss_weight).toEqual([2, 0]);
    expect(out.find((l) => l.name === "m")!.loss_weight).toBeUndefined();
    expect(out.find((l) => l.name === "loss")!.bottom).toEqual(["m_m_0_split_1"]);
  });

  it("reports an unknown bottom with the layer's name", () => {
    expect(() => insertSplits([layer("x", "Mul", ["nowhere"], ["x"])])).toThrow(/layer "x".*unknown bottom blob "nowhere"/);
  });
});

describe("buildNet", () => {
  it("names an unsupported layer type and the layer", () => {
    const net = { layer: [layer("weird1", "Frobnicate", [], ["x"])] };
    expect(() => buildNet(net, ctx(), mockRegistry)).toThrow(NetError);
    expect(() => buildNet(net, ctx(), mockRegistry)).toThrow(/layer "weird1".*"Frobnicate" is not supported/);
  });

  it("checks bottom and top counts, naming the layer", () => {
    const net = { layer: [layer("src", "Const", [], ["c"]), layer("l", "SqLoss", ["c"], ["a", "b"])] };
    expect(() => buildNet(net, ctx(), mockRegistry)).toThrow(/layer "l" \(type SqLoss\) takes exactly 1 top/);
  });

  it("gives a loss layer without a named top an anonymous one that still counts in the loss (AutoTopBlobs)", () => {
    const registry = { ...mockRegistry, EuclideanLoss: { ...mockRegistry.SqLoss!, type: "EuclideanLoss" } };
    const net = buildNet({ layer: [layer("w", "Const", [], ["w"], { const_param: { type: "constant", value: 2 } }), layer("l", "EuclideanLoss", ["w"], [])] }, ctx(), registry);
    expect(net.layers[1]!.topNames).toEqual(["(automatic)"]);
    expect(net.outputs).toEqual([]);
    expect(forward(net)).toBe(6); // 0.5 * 3 * 2^2
    expect(net.layers[0]!.needBackward).toBe(true);
  });

  it("requires explicit loss weights for a loss layer with several tops, as Caffe does", () => {
    const registry = { ...mockRegistry, SqLoss: { ...mockRegistry.SqLoss!, tops: { min: 1, max: 2 } } };
    const layers = (extra: PlainMessage) => ({ layer: [layer("w", "Const", [], ["w"]), layer("l", "SqLoss", ["w"], ["l", "l2"], extra)] });
    expect(() => buildNet(layers({}), ctx(), registry)).toThrow(/layer "l".*2 tops needs loss_weight given once per top/);
    const net = buildNet(layers({ loss_weight: [1, 0] }), ctx(), registry);
    expect(net.layers[1]!.lossWeights).toEqual([1, 0]);
  });

  it("decides backward like Caffe: labels, lr_mult 0, branches without loss, propagate_down", () => {
    const net = buildNet({
      layer: [
        layer("label", "Label", [], ["label"]),
        layer("frozen", "Const", [], ["f"], { param: [{ lr_mult: 0 }] }),
        layer("m1", "Mul", ["f", "label"], ["m1"]),
        layer("side", "Mul", ["m1"], ["side"]),
        layer("m2", "Mul", ["m1"], ["m2"], { propagate_down: [false] }),
        layer("loss", "SqLoss", ["m2"], ["loss"]),
      ],
    }, ctx(), mockRegistry);
    const byName = new Map(net.layers.map((l) => [l.name, l]));
    expect(byName.get("label")!.needBackward).toBe(false);
    expect(byName.get("frozen")!.needBackward).toBe(false);
    // m1 has a learnable param and feeds the loss, but its bottoms need no gradient.
    expect(byName.get("m1")!.needBackward).toBe(false); // m2 does not propagate down, so m1's output skips backprop
    expect(byName.get("side")!.needBackward).toBe(false); // does not reach a loss
    expect(byName.get("m2")!.needBackward).toBe(true);
    expect(byName.get("m2")!.bottomNeedBackward).toEqual([false]);
    expect(net.outputs.map((o) => [o.name, o.lossWeight])).toEqual([["loss", 1], ["side", 0]]);
  });

  it("computes gradients through splits and loss weights that match finite differences", () => {
    const net = buildNet({
      layer: [
        layer("w", "Const", [], ["w"]),
        layer("a", "Mul", ["w"], ["a"]),
        layer("b", "Mul", ["w"], ["b"]),
        layer("la", "SqLoss", ["a"], ["la"], { loss_weight: [0.5] }),
        layer("lb", "SqLoss", ["b"], ["lb"], { loss_weight: [2] }),
      ],
    }, ctx(7), mockRegistry);
    expect(net.layers.map((l) => l.name)).toContain("w_w_0_split");
    clearParamDiffs(net);
    const loss = forward(net);
    backward(net);
    // Hand-computed loss: 0.5 * 0.5*sum(a^2) + 2 * 0.5*sum(b^2).
    const w = net.learnable[0]!.blob.data;
    const wa = net.learnable[1]!.blob.data;
    const wb = net.learnable[2]!.blob.data;
    let expected = 0;
    for (let i = 0; i < 3; i++) expected += 0.25 * (w[i]! * wa[i]!) ** 2 + (w[i]! * wb[i]!) ** 2;
    expect(loss).toBeCloseTo(expected, 5);
    for (const param of net.learnable) {
      const analytic = Float32Array.from(param.blob.diff);
      for (let i = 0; i < 3; i++) {
        const saved = param.blob.data[i]!;
        param.blob.data[i] = saved + FD_STEP;
        const up = forward(net);
        param.blob.data[i] = saved - FD_STEP;
        const down = forward(net);
        param.blob.data[i] = saved;
        const numeric = (up - down) / (2 * FD_STEP);
        expect(Math.abs(numeric - analytic[i]!)).toBeLessThanOrEqual(FD_RELATIVE_TOLERANCE * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  it("shares a param by name: one learnable entry whose diff sums both uses", () => {
    const build = (shared: boolean) => buildNet({
      layer: [
        layer("w", "Const", [], ["w"], { const_param: { type: "constant", value: 1 } }),
        layer("a", "Mul", ["w"], ["a"], { param: [{ name: shared ? "s" : "" }], const_param: { type: "constant", value: 3 } }),
        layer("b", "Mul", ["a"], ["b"], { param: [{ name: shared ? "s" : "" }], const_param: { type: "constant", value: 5 } }),
        layer("loss", "SqLoss", ["b"], ["loss"]),
      ],
    }, ctx(), mockRegistry);
    const net = build(true);
    expect(net.learnable.length).toBe(2);
    const s = net.layers.find((l) => l.name === "b")!.instance.params[0]!;
    expect(Array.from(s.data)).toEqual([3, 3, 3]); // the owner's values
    clearParamDiffs(net);
    forward(net);
    backward(net);
    // loss = 0.5*(s*s*1)^2 per element -> d/ds = 2*s^3 = 54.
    expect(Array.from(net.learnable[1]!.blob.diff)).toEqual([54, 54, 54]);
    expect(build(false).learnable.length).toBe(3);
  });

  it("rejects shared params of different shapes and mismatched lr_mult, naming both layers", () => {
    const net = {
      layer: [
        layer("w", "Const", [], ["w"], { param: [{ name: "s", lr_mult: 1 }] }),
        layer("a", "Mul", ["w"], ["a"], { param: [{ name: "s", lr_mult: 2 }] }),
      ],
    };
    expect(() => buildNet(net, ctx(), mockRegistry)).toThrow(/layer "a".*"s" has lr_mult 2.*"w" uses 1/);
  });

  it("forces lr_mult 0 on BatchNorm statistics and rejects a learnable setting", () => {
    const registry = { ...mockRegistry, BatchNorm: { ...mockRegistry.Mul!, type: "BatchNorm" } };
    const ok = buildNet({ layer: [layer("w", "Const", [], ["w"]), layer("bn", "BatchNorm", ["w"], ["w"]), layer("l", "SqLoss", ["w"], ["l"])] }, ctx(), registry);
    expect(ok.learnable.find((p) => p.layerName === "bn")!.lrMult).toBe(0);
    const bad = { layer: [layer("w", "Const", [], ["w"]), layer("bn", "BatchNorm", ["w"], ["w"], { param: [{ lr_mult: 1 }] })] };
    expect(() => buildNet(bad, ctx(), registry)).toThrow(/layer "bn".*lr_mult 1/);
  });

  it("reshapes net inputs from input_shape and lets force_backward reach them", () => {
    const net = buildNet({
      input: ["x"], input_shape: [{ dim: ["3"] }], force_backward: true,
      layer: [layer("m", "Mul", ["x"], ["m"]), layer("loss", "SqLoss", ["m"], ["loss"])],
    }, ctx(), mockRegistry);
    expect(net.inputs[0]!.blob.shape).toEqual([3]);
    expect(net.layers[0]!.bottomNeedBackward).toEqual([true]);
  });
});
