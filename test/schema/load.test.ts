import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closestName, defaultProtoPath, loadSchema, messageType, SchemaLoadError } from "../../src/schema/index.js";
import { bindText, REPO } from "./helpers.js";
import { parseTextFormat } from "../../src/prototxt/index.js";
import { bindMessage } from "../../src/schema/index.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-schema-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeProto(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("loadSchema", () => {
  it("finds the caffe.proto shipped in the package", () => {
    expect(defaultProtoPath()).toBe(path.join(REPO, "src", "schema", "caffe.proto"));
    const schema = loadSchema();
    expect(schema.packageName).toBe("caffe");
    for (const name of ["NetParameter", "SolverParameter", "Datum", "BlobProto", "BlobProtoVector", "V1LayerParameter", "V0LayerParameter"]) {
      expect(messageType(schema, `caffe.${name}`).name).toBe(name);
    }
    expect(messageType(schema, "NetParameter").name).toBe("NetParameter");
    expect(() => messageType(schema, "caffe.Nope")).toThrow(SchemaLoadError);
    expect(() => messageType(schema, "caffe.Nope")).toThrow(/caffe\.proto: has no message type "caffe\.Nope"/);
  });

  it("loads a fork's schema instead of ours, so the fork's fields bind", () => {
    const fork = writeProto(
      "fork.proto",
      'syntax = "proto2";\npackage caffe;\nmessage NetParameter { repeated LayerParameter layer = 100; }\nmessage LayerParameter { optional string name = 1; optional PermuteParameter permute_param = 202; }\nmessage PermuteParameter { repeated uint32 order = 1; }\n',
    );
    const schema = loadSchema(fork);
    const source = 'layer { name: "p" permute_param { order: 0 order: 2 } }';
    expect(bindMessage(parseTextFormat(source), "caffe.NetParameter", schema).diagnostics).toEqual([]);
    // Our schema does not know the field.
    expect(bindText(source).diagnostics.map((d) => d.line)).toEqual([1]);
  });

  it("reports a bad .proto with its file and line", () => {
    const bad = writeProto("bad.proto", 'syntax = "proto2";\npackage caffe;\nmessage A {\n  optional int32 x = ;\n}\n');
    let caught: unknown;
    try {
      loadSchema(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaLoadError);
    expect((caught as SchemaLoadError).line).toBe(4);
    expect((caught as Error).message.startsWith(`${bad}:4: `)).toBe(true);
  });

  it("reports an unresolvable type and a missing file clearly", () => {
    const unresolved = writeProto("unresolved.proto", 'syntax = "proto2";\npackage caffe;\nmessage A { optional Missing m = 1; }\n');
    expect(() => loadSchema(unresolved)).toThrow(SchemaLoadError);
    expect(() => loadSchema(path.join(tmp, "absent.proto"))).toThrow(/absent\.proto: no such file/);
  });

  it("follows imports relative to the importing file", () => {
    writeProto("common.proto", 'syntax = "proto2";\npackage caffe;\nmessage Shared { optional int32 v = 1; }\n');
    const main = writeProto("main.proto", 'syntax = "proto2";\npackage caffe;\nimport "common.proto";\nmessage Top { optional Shared s = 1; }\n');
    expect(messageType(loadSchema(main), "caffe.Top").fields.s!.resolvedType?.name).toBe("Shared");
  });
});

describe("closestName", () => {
  it("suggests a close name, prefers a case-only difference, and stays silent when nothing is close", () => {
    expect(closestName("lr_mul", ["lr_mult", "decay_mult", "name"])).toBe("lr_mult");
    expect(closestName("Use_Global_Stats", ["use_global_stats", "eps"])).toBe("use_global_stats");
    expect(closestName("kernal_sise", ["kernel_size", "pad"])).toBe("kernel_size");
    // A fork's field must not be "corrected" to an unrelated one three edits away.
    expect(closestName("bn_param", ["batch_norm_param", "bias_param", "lrn_param", "name"])).toBeUndefined();
    expect(closestName("tops", ["bottom", "top"])).toBe("top");
    expect(closestName("nme", ["name", "type"])).toBe("name");
    expect(closestName("ceil_mode", ["round_mode", "pool", "pad"])).toBeUndefined();
    expect(closestName("x", [])).toBeUndefined();
  });
});

describe("loadSchema: duplicate declarations", () => {
  it("gives the line of the second declaration of a duplicated field", () => {
    const dup = writeProto("dup.proto", 'syntax = "proto2";\npackage caffe;\nmessage B { optional int32 v = 1; }\nmessage A {\n  optional int32 v = 1;\n  // v again\n  optional float v = 2;\n}\n');
    expect(() => loadSchema(dup)).toThrow(new RegExp(`^${dup.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:7: duplicate name 'v'`));
  });
});
