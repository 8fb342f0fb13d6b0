/** The model stage: which layers Caffe keeps per state, the blob graph, shapes and parameter counts. */
import { describe, expect, it } from "vitest";
import { buildNetModel, buildPhaseNet, netKind } from "../../src/model/build.js";
import { pooledSize } from "../../src/model/shapes.js";
import { mergeNetState, stateMeetsRule } from "../../src/model/state.js";
import { parseTextFormat } from "../../src/prototxt/index.js";
import { bindMessage, loadSchema } from "../../src/schema/index.js";
import type { PlainMessage } from "../../src/schema/types.js";

const schema = loadSchema();
function net(text: string): PlainMessage {
  const bound = bindMessage(parseTextFormat(text), "caffe.NetParameter", schema);
  expect(bound.diagnostics).toEqual([]);
  return bound.message;
}

describe("state rules (Net::StateMeetsRule)", () => {
  const state = { phase: "TEST" as const, level: 2, stages: ["a"] };
  it.each([
    [{ phase: "TEST" }, true],
    [{ phase: "TRAIN" }, false],
    [{ min_level: 2 }, true],
    [{ min_level: 3 }, false],
    [{ max_level: 1 }, false],
    [{ stage: ["a"] }, true],
    [{ stage: ["a", "b"] }, false],
    [{ not_stage: ["a"] }, false],
    [{ not_stage: ["b"] }, true],
  ])("%j → %s", (rule, expected) => {
    expect(stateMeetsRule(state, rule as PlainMessage)).toBe(expected);
  });

  it("merges the net's state and the solver's, stages appended, the phase as asked", () => {
    expect(mergeNetState("TRAIN", { level: 1, stage: ["x"] }, { stage: ["y"] })).toEqual({ phase: "TRAIN", level: 1, stages: ["x", "y"] });
  });
});

describe("per-phase nets", () => {
  const text = `
layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 8 } }
layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TEST } data_param { source: "b" batch_size: 4 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 } }
layer { name: "acc" type: "Accuracy" bottom: "ip" bottom: "label" top: "acc" include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
layer { name: "deploy_only" type: "Softmax" bottom: "ip" top: "prob" include { stage: "deploy" } }
`;
  it("keeps the layers of each phase, in file order", () => {
    const model = buildNetModel(net(text), "n.prototxt");
    expect(model.kind).toBe("train_val");
    expect(model.phases.TRAIN!.layers.map((l) => l.index)).toEqual([0, 2, 4]);
    expect(model.phases.TEST!.layers.map((l) => l.index)).toEqual([1, 2, 3, 4]);
  });
  it("adds stage layers only in their stage", () => {
    const model = buildNetModel(net(text), "n.prototxt", { stages: ["deploy"] });
    expect(model.phases.TEST!.layers.map((l) => l.name)).toContain("deploy_only");
  });
  it("links in-place chains and consumers", () => {
    const m = buildPhaseNet(
      net(`layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "c" type: "Convolution" bottom: "x" top: "c" convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "r" type: "ReLU" bottom: "c" top: "c" }
layer { name: "p" type: "Pooling" bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }`),
      { phase: "TEST", level: 0, stages: [] },
    );
    const c = m.blobs.get("c")!;
    expect(c.producers.map((l) => l.name)).toEqual(["c", "r"]);
    expect(c.consumers.map((l) => l.name)).toEqual(["r", "p"]);
    expect(m.problems).toEqual([]);
  });
});

describe("shapes and parameter counts", () => {
  const shapesOf = (body: string) => {
    const m = buildPhaseNet(net(`layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 32 dim: 32 } } }\n${body}`), { phase: "TEST", level: 0, stages: [] });
    return Object.fromEntries(m.layers.map((l) => [l.name, { top: l.topShapes[0], params: l.paramCount }]));
  };
  it("follows Caffe's convolution, deconvolution and pooling arithmetic", () => {
    const s = shapesOf(`layer { name: "c" type: "Convolution" bottom: "x" top: "c" convolution_param { num_output: 8 kernel_size: 3 pad: 1 stride: 2 group: 1 } }
layer { name: "dil" type: "Convolution" bottom: "c" top: "dil" convolution_param { num_output: 8 kernel_size: 3 dilation: 2 group: 2 bias_term: false } }
layer { name: "de" type: "Deconvolution" bottom: "dil" top: "de" convolution_param { num_output: 4 kernel_size: 2 stride: 2 } }
layer { name: "p" type: "Pooling" bottom: "de" top: "p" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "g" type: "Pooling" bottom: "p" top: "g" pooling_param { pool: AVE global_pooling: true } }
layer { name: "ip" type: "InnerProduct" bottom: "g" top: "ip" inner_product_param { num_output: 10 } }`);
    expect(s["c"]).toEqual({ top: [2, 8, 16, 16], params: 8 * 3 * 9 + 8 });
    expect(s["dil"]).toEqual({ top: [2, 8, 12, 12], params: 8 * 4 * 9 });
    expect(s["de"]).toEqual({ top: [2, 4, 24, 24], params: 8 * 4 * 4 + 4 });
    expect(s["p"]).toEqual({ top: [2, 4, 12, 12], params: 0 });
    expect(s["g"]).toEqual({ top: [2, 4, 1, 1], params: 0 });
    expect(s["ip"]).toEqual({ top: [2, 10], params: 4 * 10 + 10 });
  });
  it("uses Caffe's ceil rounding with the last-window clip", () => {
    expect(pooledSize(32, 3, 0, 2, false)).toBe(16);
    expect(pooledSize(29, 2, 1, 2, false)).toBe(15);
    expect(pooledSize(16, 3, 0, 2, true)).toBe(7);
  });
  it("handles concat, slice, flatten and reshape", () => {
    const s = shapesOf(`layer { name: "sl" type: "Slice" bottom: "x" top: "a" top: "b" slice_param { axis: 1 slice_point: 1 } }
layer { name: "cat" type: "Concat" bottom: "a" bottom: "b" bottom: "a" top: "cat" }
layer { name: "fl" type: "Flatten" bottom: "cat" top: "fl" }
layer { name: "re" type: "Reshape" bottom: "fl" top: "re" reshape_param { shape { dim: 0 dim: -1 dim: 32 } } }`);
    expect(s["sl"]!.top).toEqual([2, 1, 32, 32]);
    expect(s["cat"]!.top).toEqual([2, 4, 32, 32]);
    expect(s["fl"]!.top).toEqual([2, 4096]);
    expect(s["re"]!.top).toEqual([2, 128, 32]);
  });
  it("counts the whole net when every learnable layer's shape is known", () => {
    const m = buildPhaseNet(net(`layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 10 } } }
layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 5 } }
layer { name: "s" type: "Scale" bottom: "y" top: "y" scale_param { bias_term: true } }`), { phase: "TEST", level: 0, stages: [] });
    expect(m.paramCount).toBe(55 + 10);
  });
});

describe("net kinds", () => {
  it.each([
    [`layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 } } }`, "deploy"],
    [`input: "x" input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 4`, "deploy"],
    [`layer { name: "d" type: "Data" top: "x" top: "l" data_param { source: "a" batch_size: 1 } }\nlayer { name: "loss" type: "SoftmaxWithLoss" bottom: "x" bottom: "l" top: "loss" }`, "train"],
    [`layer { name: "d" type: "Data" top: "x" top: "l" include { phase: TRAIN } data_param { source: "a" batch_size: 1 } }`, "train_val"],
    [`layer { name: "d" type: "Data" top: "x" data_param { source: "a" batch_size: 1 } }`, "test"],
  ])("%s → %s", (text, kind) => {
    expect(netKind(net(text))).toBe(kind);
  });
});
