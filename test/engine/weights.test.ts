import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeCaffemodel, loadCaffemodel, WeightsError } from "../../src/engine/weights.js";
import { buildNet } from "../../src/engine/net.js";
import { seededRandom } from "../../src/engine/rng.js";
import { arrayStats } from "./caffe-case.js";
import { mockRegistry } from "./mock-layers.js";

const SHARED = path.resolve(fileURLToPath(new URL("../..", import.meta.url)), "../shared");
const LENET_DIR = path.join(SHARED, "caffe-reference", "lenet_ok");
/** Decoded float32 values are exact; statistics are float64 sums of them in a different order. */
const STATS_RTOL = 1e-12;

/** A minimal protobuf writer for building test models (independent of the decoder). */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function lengthDelimited(field: number, body: number[]): number[] {
  return [...varint(field * 8 + 2), ...varint(body.length), ...body];
}
function varintField(field: number, value: number): number[] {
  return [...varint(field * 8), ...varint(value)];
}
function floatBytes(values: number[]): number[] {
  return Array.from(new Uint8Array(Float32Array.from(values).buffer));
}
function blobProto(opts: { shape?: number[]; legacy?: number[]; data: number[]; unpacked?: boolean }): number[] {
  const body: number[] = [];
  if (opts.legacy) opts.legacy.forEach((d, i) => body.push(...varintField(i + 1, d)));
  if (opts.unpacked) for (const v of opts.data) body.push(...varint(5 * 8 + 5), ...floatBytes([v]));
  else body.push(...lengthDelimited(5, floatBytes(opts.data)));
  if (opts.shape) body.push(...lengthDelimited(7, lengthDelimited(1, opts.shape.flatMap(varint))));
  return body;
}
function layerV2(name: string, blobs: number[][]): number[] {
  const body = [...lengthDelimited(1, Array.from(new TextEncoder().encode(name))), ...blobs.flatMap((b) => lengthDelimited(7, b))];
  return lengthDelimited(100, body);
}
function layerV1(name: string, blobs: number[][]): number[] {
  const body = [...lengthDelimited(4, Array.from(new TextEncoder().encode(name))), ...blobs.flatMap((b) => lengthDelimited(6, b))];
  return lengthDelimited(2, body);
}

function smallNet() {
  return buildNet({
    layer: [
      { name: "w", type: "Const", top: ["w"] },
      { name: "m", type: "Mul", bottom: ["w"], top: ["m"] },
      { name: "loss", type: "SqLoss", bottom: ["m"], top: ["loss"] },
    ],
  }, { phase: "TRAIN", random: seededRandom(1) }, mockRegistry);
}

describe("decodeCaffemodel / loadCaffemodel", () => {
  it("copies blobs by layer name and ignores layers the net lacks", () => {
    const bytes = Uint8Array.from([
      ...layerV2("w", [blobProto({ shape: [3], data: [1, 2, 3] })]),
      ...layerV2("absent", [blobProto({ shape: [1], data: [9] })]),
      ...layerV2("m", [blobProto({ shape: [3], data: [-1, 0.5, 4], unpacked: true })]),
    ]);
    const net = smallNet();
    const report = loadCaffemodel(bytes, net);
    expect(report).toEqual({ copied: ["w", "m"], ignored: ["absent"] });
    expect(Array.from(net.layers[0]!.instance.params[0]!.data)).toEqual([1, 2, 3]);
    expect(Array.from(net.layers[1]!.instance.params[0]!.data)).toEqual([-1, 0.5, 4]);
  });

  it("reads V1 layers with legacy num/channels/height/width shapes", () => {
    const bytes = Uint8Array.from(layerV1("w", [blobProto({ legacy: [1, 1, 1, 3], data: [7, 8, 9] })]));
    const [layer] = decodeCaffemodel(bytes);
    expect(layer!.name).toBe("w");
    expect(layer!.blobs[0]!.shape).toEqual([1, 1, 1, 3]);
    const net = smallNet();
    loadCaffemodel(bytes, net);
    expect(Array.from(net.layers[0]!.instance.params[0]!.data)).toEqual([7, 8, 9]);
  });

  it("names the layer and both shapes on a mismatch, and counts blobs", () => {
    const wrongShape = Uint8Array.from(layerV2("m", [blobProto({ shape: [4], data: [1, 2, 3, 4] })]));
    expect(() => loadCaffemodel(wrongShape, smallNet())).toThrow(WeightsError);
    expect(() => loadCaffemodel(wrongShape, smallNet())).toThrow(/layer "m" blob 0: the caffemodel has shape \[4\].*expects \[3\]/);
    const wrongCount = Uint8Array.from(layerV2("m", [blobProto({ shape: [3], data: [1, 2, 3] }), blobProto({ shape: [1], data: [1] })]));
    expect(() => loadCaffemodel(wrongCount, smallNet())).toThrow(/layer "m": the net has 1 parameter blob\(s\) but the caffemodel has 2/);
  });

  it("rejects truncated input", () => {
    const bytes = Uint8Array.from(layerV2("w", [blobProto({ shape: [3], data: [1, 2, 3] })]));
    expect(() => decodeCaffemodel(bytes.subarray(0, bytes.length - 5))).toThrow(/truncated/);
  });
});

describe.skipIf(!fs.existsSync(LENET_DIR))("a real caffemodel (../shared; skipped when ../shared absent)", () => {
  it("decodes lenet_ok/init.caffemodel to the statistics Caffe recorded", () => {
    const ref = JSON.parse(fs.readFileSync(path.join(LENET_DIR, "reference.json"), "utf8")) as {
      init: { params: Record<string, { shape: number[]; data: { mean_abs: number; sum: number; probe: number[] } }[]> };
    };
    const layers = new Map(decodeCaffemodel(fs.readFileSync(path.join(LENET_DIR, "init.caffemodel"))).map((l) => [l.name, l]));
    for (const [name, blobs] of Object.entries(ref.init.params)) {
      blobs.forEach((expected, j) => {
        const blob = layers.get(name)!.blobs[j]!;
        expect(blob.shape).toEqual(expected.shape);
        const s = arrayStats(blob.data);
        expect(s.probe).toEqual(expected.data.probe);
        expect(Math.abs(s.mean_abs - expected.data.mean_abs)).toBeLessThanOrEqual(STATS_RTOL * expected.data.mean_abs + 1e-300);
      });
    }
  });
});
