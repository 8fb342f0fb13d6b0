/**
 * Benchmark of the schema stage. Over the whole corpus (../shared when
 * present, else a synthetic net): binding parsed trees to caffe.proto, then
 * writing protobuf JSON, in files/s, beside two references measured in the
 * same run: parsing the same files (the stage before), and protobufjs's own
 * fromObject + toObject over the same content. Also decoding a real
 * .caffemodel against protobufjs's raw decode of the same bytes.
 */
import fs from "node:fs";
import path from "node:path";
import { parseTextFormat, type Document } from "../src/prototxt/index.js";
import { bindMessage, decodeBinary, loadSchema, messageType, toProtoJson } from "../src/schema/index.js";

import { median, report, sharedDir, timeIt } from "./util.js";

const REPEATS = 7;
const SYNTHETIC_LAYERS = 300;

/** Median wall time in milliseconds of `fn` over REPEATS runs, after one warm-up run. */
function medianMs(fn: () => void): number {
  fn();
  return median(REPEATS, () => timeIt(fn));
}

function syntheticNet(layers: number): string {
  const parts = ['name: "synthetic"\nlayer { name: "data" type: "Input" top: "x0" input_param { shape { dim: 1 dim: 3 dim: 32 dim: 32 } } }\n'];
  for (let i = 1; i <= layers; i++) {
    parts.push(
      `layer {\n  name: "conv${i}"\n  type: "Convolution"\n  bottom: "x${i - 1}"\n  top: "x${i}"\n  param { lr_mult: 1 decay_mult: 1 }\n` +
        `  convolution_param { num_output: 16 kernel_size: 3 pad: 1 weight_filler { type: "msra" } }\n}\n`,
    );
  }
  return parts.join("");
}

interface Input {
  source: string;
  typeName: string;
}

function corpusInputs(shared: string): Input[] {
  const manifestFile = path.join(shared, "corpus", "manifest.json");
  if (!fs.existsSync(manifestFile)) return [];
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { file: string; message: string }[];
  return manifest.map((e) => ({ source: fs.readFileSync(path.join(shared, "corpus", e.file), "utf8"), typeName: e.message }));
}

export async function run(): Promise<void> {
  const shared = sharedDir();
  let inputs = corpusInputs(shared);
  if (inputs.length === 0) {
    console.log("schema: ../shared absent, using a synthetic net only");
    inputs = [{ source: syntheticNet(SYNTHETIC_LAYERS), typeName: "caffe.NetParameter" }];
  }
  const schema = loadSchema();
  const parsed: { doc: Document; typeName: string }[] = [];
  for (const input of inputs) {
    try {
      parsed.push({ doc: parseTextFormat(input.source), typeName: input.typeName });
    } catch {
      // A syntax error: nothing for the schema stage to bind.
    }
  }
  const parseMs = medianMs(() => {
    for (const input of inputs) {
      try {
        parseTextFormat(input.source);
      } catch {
        // counted like the files that parse
      }
    }
  });
  const bindMs = medianMs(() => {
    for (const p of parsed) bindMessage(p.doc, p.typeName, schema);
  });
  const bound = parsed.map((p) => ({ message: bindMessage(p.doc, p.typeName, schema).message, typeName: p.typeName }));
  const jsonMs = medianMs(() => {
    for (const b of bound) toProtoJson(b.message, b.typeName, schema);
  });
  const jsons = bound.map((b) => ({ json: toProtoJson(b.message, b.typeName, schema), type: messageType(schema, b.typeName) }));
  const protobufjsMs = medianMs(() => {
    for (const j of jsons) j.type.toObject(j.type.fromObject(j.json), { longs: String, enums: String });
  });
  const n = parsed.length;
  const perSecond = (ms: number) => ((n / ms) * 1000).toFixed(0);
  const lines = [
    `${n} files; parse ${parseMs.toFixed(1)} ms (${perSecond(parseMs)} files/s)`,
    `bind ${bindMs.toFixed(1)} ms (${perSecond(bindMs)} files/s, ${(bindMs / parseMs).toFixed(2)}x parse time)`,
    `bind + JSON ${(bindMs + jsonMs).toFixed(1)} ms (${perSecond(bindMs + jsonMs)} files/s, ${((bindMs + jsonMs) / parseMs).toFixed(2)}x parse time)`,
    `protobufjs fromObject + toObject of the same content ${protobufjsMs.toFixed(1)} ms (bind + JSON is ${((bindMs + jsonMs) / protobufjsMs).toFixed(2)}x that)`,
  ];

  const caffemodel = path.join(shared, "caffe-reference", "lenet_ok", "init.caffemodel");
  if (fs.existsSync(caffemodel)) {
    const bytes = fs.readFileSync(caffemodel);
    const netType = messageType(schema, "caffe.NetParameter");
    const rawMs = medianMs(() => netType.decode(bytes));
    const decodeMs = medianMs(() => decodeBinary(bytes, "caffe.NetParameter", schema));
    lines.push(
      `decodeBinary of a ${(bytes.length / 1e6).toFixed(2)} MB caffemodel ${decodeMs.toFixed(1)} ms ` +
        `(${((bytes.length / 1e6 / decodeMs) * 1000).toFixed(0)} MB/s, ${(decodeMs / rawMs).toFixed(2)}x protobufjs raw decode)`,
    );
  }
  report("schema: binding text to caffe.proto, protobuf JSON, binary decoding", lines);
}
