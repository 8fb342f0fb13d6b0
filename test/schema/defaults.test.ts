import { describe, expect, it } from "vitest";
import { fieldDefault, get, view, type PlainMessage } from "../../src/schema/index.js";
import { bindText, caffeSchema } from "./helpers.js";

describe("fieldDefault and get", () => {
  it("gives the .proto default of each kind of field", () => {
    const schema = caffeSchema();
    expect(fieldDefault(schema, "caffe.BatchNormParameter", "moving_average_fraction")).toBe(Math.fround(0.999));
    expect(fieldDefault(schema, "caffe.BatchNormParameter", "eps")).toBe(Math.fround(1e-5));
    expect(fieldDefault(schema, "caffe.BatchNormParameter", "use_global_stats")).toBe(false);
    expect(fieldDefault(schema, "caffe.SolverParameter", "random_seed")).toBe("-1");
    expect(fieldDefault(schema, "caffe.SolverParameter", "solver_mode")).toBe("GPU");
    expect(fieldDefault(schema, "caffe.SolverParameter", "type")).toBe("SGD");
    expect(fieldDefault(schema, "caffe.SolverParameter", "base_lr")).toBe(0);
    expect(fieldDefault(schema, "caffe.ParamSpec", "lr_mult")).toBe(1);
    expect(fieldDefault(schema, "caffe.FillerParameter", "type")).toBe("constant");
    // Enum without an explicit default: its first value.
    expect(fieldDefault(schema, "caffe.NetStateRule", "phase")).toBe("TRAIN");
    expect(fieldDefault(schema, "caffe.ConvolutionParameter", "kernel_size")).toEqual([]);
    expect(fieldDefault(schema, "caffe.LayerParameter", "batch_norm_param")).toBeUndefined();
    expect(() => fieldDefault(schema, "caffe.LayerParameter", "bn_param")).toThrow(/no field "bn_param"/);
  });

  it("returns the written value when there is one, even if it equals the default", () => {
    const schema = caffeSchema();
    expect(get(schema, { use_global_stats: true }, "caffe.BatchNormParameter", "use_global_stats")).toBe(true);
    expect(get(schema, {}, "caffe.BatchNormParameter", "use_global_stats")).toBe(false);
  });
});

describe("view", () => {
  it("reads nested settings with defaults and tells written from default", () => {
    const { message } = bindText('layer { name: "bn" type: "BatchNorm" batch_norm_param { eps: 0.001 } }\nlayer { name: "c" convolution_param { kernel_size: 3 kernel_size: 5 } }');
    const layers = view(caffeSchema(), "caffe.NetParameter", message).msgs("layer");
    expect(layers).toHaveLength(2);
    const bn = layers[0]!.msg("batch_norm_param");
    expect(bn.bool("use_global_stats")).toBe(false);
    expect(bn.has("use_global_stats")).toBe(false);
    expect(bn.num("eps")).toBe(Math.fround(0.001));
    expect(bn.num("moving_average_fraction")).toBe(Math.fround(0.999));
    expect(layers[1]!.msg("convolution_param").nums("kernel_size")).toEqual([3, 5]);
    expect(layers[1]!.msg("convolution_param").num("group")).toBe(1);
    expect(layers[1]!.msg("batch_norm_param").message).toEqual({});
    expect(layers[0]!.strs("top")).toEqual([]);
  });

  it("reads int64 as numbers and enums by name", () => {
    const solver = view(caffeSchema(), "caffe.SolverParameter", { random_seed: "1701" } as PlainMessage);
    expect(solver.num("random_seed")).toBe(1701);
    expect(solver.str("solver_mode")).toBe("GPU");
  });

  it("throws on a field of another kind or an unknown field (programming errors)", () => {
    const layer = view(caffeSchema(), "caffe.LayerParameter", {});
    expect(() => layer.num("name")).toThrow(/not a number/);
    expect(() => layer.msg("top")).toThrow();
    expect(() => layer.bool("nope")).toThrow(/no field/);
  });
});
