import { describe, expect, it } from "vitest";
import { positionsOf, spanOf, toProtoJson, type PlainMessage } from "../../src/schema/index.js";
import { bindText, caffeSchema, textAt } from "./helpers.js";

const errorsOf = (source: string, typeName?: string) => bindText(source, typeName).diagnostics.filter((d) => d.severity === "error");

describe("bindMessage: value types", () => {
  it("checks integer ranges per type (int32, uint32, int64) and keeps int64 as a decimal string", () => {
    expect(bindText("random_seed: -9223372036854775808", "caffe.SolverParameter").message.random_seed).toBe("-9223372036854775808");
    expect(errorsOf("random_seed: 9223372036854775808", "caffe.SolverParameter")).toHaveLength(1);
    expect(bindText("max_iter: 2147483647", "caffe.SolverParameter").message.max_iter).toBe(2147483647);
    expect(errorsOf("max_iter: 2147483648", "caffe.SolverParameter")).toHaveLength(1);
    const negativeUnsigned = errorsOf('layer { convolution_param { num_output: -1 } }');
    expect(negativeUnsigned).toHaveLength(1);
    expect(negativeUnsigned[0]!.message).toContain("unsigned");
    expect(negativeUnsigned[0]!.column).toBe(41);
  });

  it("reads hex and C-octal integers, and rejects a float for an integer field", () => {
    expect(bindText("max_iter: 0x10", "caffe.SolverParameter").message.max_iter).toBe(16);
    expect(bindText("max_iter: 017", "caffe.SolverParameter").message.max_iter).toBe(15);
    expect(errorsOf("max_iter: 1.5", "caffe.SolverParameter")).toHaveLength(1);
    expect(errorsOf("max_iter: 1e3", "caffe.SolverParameter")).toHaveLength(1);
  });

  it("reads float fields as float32, accepting integers, 1.0f, inf and nan in Google's spellings", () => {
    const solver = (text: string) => bindText(`base_lr: ${text}`, "caffe.SolverParameter").message.base_lr;
    expect(solver("0.1")).toBe(Math.fround(0.1));
    expect(solver("3")).toBe(3);
    expect(solver("1.5f")).toBe(1.5);
    expect(solver("inf")).toBe(Infinity);
    expect(solver("-Infinity")).toBe(-Infinity);
    expect(Number.isNaN(solver("nan"))).toBe(true);
    expect(solver("1e40")).toBe(Infinity); // beyond float32
    expect(errorsOf('base_lr: "0.1"', "caffe.SolverParameter")).toHaveLength(1);
    expect(errorsOf("base_lr: fast", "caffe.SolverParameter")).toHaveLength(1);
  });

  it("accepts every boolean spelling Google accepts and nothing else", () => {
    for (const yes of ["true", "True", "t", "1"]) expect(bindText(`debug_info: ${yes}`).message.debug_info).toBe(true);
    for (const no of ["false", "False", "f", "0"]) expect(bindText(`debug_info: ${no}`).message.debug_info).toBe(false);
    for (const bad of ["TRUE", "yes", "2", '"true"']) expect(errorsOf(`debug_info: ${bad}`)).toHaveLength(1);
  });

  it("reads enums by name or number and lists the valid names for an unknown one", () => {
    expect(bindText("solver_mode: CPU", "caffe.SolverParameter").message.solver_mode).toBe("CPU");
    expect(bindText("solver_mode: 1", "caffe.SolverParameter").message.solver_mode).toBe("GPU");
    const [unknown] = errorsOf("solver_mode: TPU", "caffe.SolverParameter");
    expect(unknown!.message).toContain("CPU, GPU");
    expect(errorsOf("solver_mode: 7", "caffe.SolverParameter")).toHaveLength(1);
    const [typo] = errorsOf("layer { pooling_param { pool: AVG } }");
    expect(typo!.suggestion).toBe("AVE");
    expect(typo!.message).toContain("MAX, AVE, STOCHASTIC");
    expect(errorsOf('solver_mode: "GPU"', "caffe.SolverParameter")).toHaveLength(1);
  });

  it("requires quoted strings for string fields and valid UTF-8 in them, but not in bytes fields", () => {
    expect(errorsOf("name: lenet")).toHaveLength(1);
    const [utf8] = errorsOf('name: "\\xff\\xfe"');
    expect(utf8!.message).toContain("UTF-8");
    const datum = bindText('data: "\\xff\\x00"', "caffe.Datum").message;
    expect(datum.data).toEqual(new Uint8Array([0xff, 0]));
    expect(bindText('name: "caf\\303\\251"').message.name).toBe("café");
  });

  it("rejects a scalar given to a message field and a message given to a scalar field", () => {
    expect(errorsOf('layer: "conv"')).toHaveLength(1);
    expect(errorsOf("name { }")).toHaveLength(1);
  });
});

describe("bindMessage: field names and repetition", () => {
  it("reports an unknown field at its name with the closest valid name", () => {
    const source = 'layer {\n  name: "bn"\n  batch_norm_parm { use_global_stats: true }\n}';
    const { message, diagnostics } = bindText(source);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: "error", line: 3, column: 3, suggestion: "batch_norm_param" });
    expect(diagnostics[0]!.message).toContain('did you mean "batch_norm_param"?');
    // The rest of the message is still bound.
    expect((message.layer as PlainMessage[])[0]!.name).toBe("bn");
  });

  it("gives no suggestion when nothing is close", () => {
    const [d] = errorsOf("layer { roi_pooling_param { pooled_w: 7 } }");
    expect(d!.suggestion).toBeUndefined();
    expect(d!.message).not.toContain("did you mean");
  });

  it("collects every error instead of stopping at the first", () => {
    const errors = errorsOf('layer { name: 1 type: Convolution bottom: "x" lr_mult: 1 }\nlayer { nme: "y" }');
    expect(errors.map((e) => e.line)).toEqual([1, 1, 1, 2]);
  });

  it("rejects a non-repeated scalar given twice (Google's parser does) and keeps the last value, as Caffe would", () => {
    const { message, diagnostics } = bindText('name: "a"\nname: "b"');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.line).toBe(2);
    expect(message.name).toBe("b");
  });

  it("merges a non-repeated message field given twice", () => {
    const { message, diagnostics } = bindText('state { phase: TRAIN }\nstate { level: 2 }');
    expect(diagnostics).toEqual([]);
    expect(message.state).toEqual({ phase: "TRAIN", level: 2 });
  });

  it("accepts [a, b] lists only for repeated fields", () => {
    expect(bindText('layer { top: ["a", "b"] top: "c" }').message.layer).toEqual([{ top: ["a", "b", "c"] }]);
    expect(errorsOf('layer { name: ["a", "b"] }')).toHaveLength(1);
    expect(errorsOf("layer { name: [] }")).toHaveLength(1);
    expect(errorsOf("layer { top: [] }")).toEqual([]);
    expect(errorsOf("layer { tops: [] }")[0]!.suggestion).toBe("top");
  });

  it("reports missing required fields (ClipParameter min and max)", () => {
    const errors = errorsOf('layer { type: "Clip" clip_param { min: 0 } }');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('"max"');
  });
});

describe("bindMessage: positions", () => {
  it("attaches the span of every field occurrence to every message object", () => {
    const source = 'name: "n"\nlayer {\n  name: "a"\n  top: "x"\n  top: "y"\n  param { lr_mult: 2 }\n}\n';
    const { message } = bindText(source);
    const layer = (message.layer as PlainMessage[])[0]!;
    expect(spanOf(layer)?.start.line).toBe(2);
    expect(textAt(source, positionsOf(layer)!.fields.get("top")![1]!.value)).toBe('"y"');
    expect(spanOf(layer, "top", 0)?.start.line).toBe(4);
    expect(spanOf(layer, "top")?.start.line).toBe(5);
    const param = (layer.param as PlainMessage[])[0]!;
    const lr = positionsOf(param)!.fields.get("lr_mult")![0]!;
    expect(textAt(source, lr.name)).toBe("lr_mult");
    expect(textAt(source, lr.value)).toBe("2");
    expect(spanOf(message, "name")?.start.column).toBe(1);
  });

  it("keeps messages plain: positions do not show in JSON or deep equality", () => {
    const { message } = bindText('layer { name: "a" }');
    expect(JSON.parse(JSON.stringify(message))).toEqual({ layer: [{ name: "a" }] });
    expect(structuredClone(message)).toEqual(message);
  });
});

describe("toProtoJson", () => {
  it("writes floats as the shortest float32 decimal, int64 as strings, int32 as numbers, non-finite floats as strings", () => {
    const { message } = bindText("base_lr: 0.1\nmomentum: 0.9\ndelta: 1e-8\ngamma: inf\npower: nan\nrandom_seed: 5\nstepvalue: 1000", "caffe.SolverParameter");
    expect(toProtoJson(message, "caffe.SolverParameter", caffeSchema())).toEqual({
      base_lr: 0.1,
      momentum: 0.9,
      delta: 1e-8,
      gamma: "Infinity",
      power: "NaN",
      random_seed: "5",
      stepvalue: [1000],
    });
  });

  it("keeps the sign of a negative zero float, as Python's printer does", () => {
    const json = toProtoJson(bindText("base_lr: -0.0", "caffe.SolverParameter").message, "caffe.SolverParameter", caffeSchema());
    expect(Object.is(json.base_lr, -0)).toBe(true);
  });

  it("keeps fields set to their default (proto2 presence) and writes bytes in base64", () => {
    expect(toProtoJson(bindText("force_backward: false").message, "caffe.NetParameter", caffeSchema())).toEqual({ force_backward: false });
    expect(toProtoJson(bindText('data: "hi"', "caffe.Datum").message, "caffe.Datum", caffeSchema())).toEqual({ data: "aGk=" });
  });
});

describe("bindMessage: empty lists inside unbound messages", () => {
  it("does not attribute an empty list inside an unknown field's message to the enclosing message", () => {
    const errors = errorsOf('layer { name: "a" bn_param { slopes: [] } }');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain("bn_param");
  });
});
