import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import protobuf from "protobufjs";
import { BinaryDecodeError, decodeBinary, floatArray, messageType, type PlainMessage } from "../../src/schema/index.js";
import { caffeSchema, REPO } from "./helpers.js";

const REFERENCE = path.join(path.resolve(REPO, "../shared"), "caffe-reference");
const HAVE_REFERENCE = fs.existsSync(REFERENCE);

/** Relative tolerance on float64 sums of float32 weights (summation order differs from numpy's pairwise sum). */
const SUM_RELATIVE_TOLERANCE = 1e-9;

interface BlobStats {
  sum: number;
  probe: number[];
}

describe("decodeBinary on hand-encoded messages", () => {
  it("decodes every value kind: int64 as string, enum by name, bytes, packed floats, nested messages", () => {
    const schema = caffeSchema();
    // Encode with protobufjs directly, from a literal object.
    const datumType = messageType(schema, "caffe.Datum");
    const bytes = datumType.encode(datumType.fromObject({ channels: 1, height: 2, width: 1, data: new Uint8Array([7, 255]), label: 3, float_data: [0.1, -2], encoded: false })).finish();
    const datum = decodeBinary(bytes, "caffe.Datum", schema);
    expect(datum).toEqual({ channels: 1, height: 2, width: 1, data: new Uint8Array([7, 255]), label: 3, float_data: [Math.fround(0.1), -2], encoded: false });

    const netType = messageType(schema, "caffe.NetParameter");
    const netBytes = netType
      .encode(netType.fromObject({ name: "n", state: { phase: 0, level: 5 }, layer: [{ name: "c", type: "Convolution", blobs: [{ shape: { dim: [2, 3] }, data: [1, 2, 3, 4, 5, 6] }] }] }))
      .finish();
    const net = decodeBinary(netBytes, "caffe.NetParameter", schema);
    expect(net).toEqual({
      name: "n",
      state: { phase: "TRAIN", level: 5 },
      layer: [{ name: "c", type: "Convolution", blobs: [{ shape: { dim: ["2", "3"] }, data: [1, 2, 3, 4, 5, 6] }] }],
    });
    const blob = ((net.layer as PlainMessage[])[0]!.blobs as PlainMessage[])[0]!;
    expect(floatArray(blob, "data")).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(floatArray(blob, "diff")).toHaveLength(0);
  });

  it("throws a BinaryDecodeError, not a crash, on truncated or random bytes", () => {
    const schema = caffeSchema();
    const type = messageType(schema, "caffe.BlobProto");
    const good = type.encode(type.fromObject({ data: [1, 2, 3] })).finish();
    expect(() => decodeBinary(good.subarray(0, good.length - 2), "caffe.BlobProto", schema)).toThrow(BinaryDecodeError);
    expect(() => decodeBinary(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), "caffe.NetParameter", schema)).toThrow(BinaryDecodeError);
  });

  it("keeps a proto2 field set to its default (presence), like the text binding does", () => {
    const schema = caffeSchema();
    const writer = protobuf.Writer.create();
    writer.uint32((7 << 3) | 0).bool(false); // Datum.encoded = false, written explicitly
    expect(decodeBinary(writer.finish(), "caffe.Datum", schema)).toEqual({ encoded: false });
  });
});

if (!HAVE_REFERENCE) console.warn("caffemodel tests skipped: ../shared absent");

describe.skipIf(!HAVE_REFERENCE)("decodeBinary on real Caffe files (skipped when ../shared absent)", () => {
  const cases = HAVE_REFERENCE ? fs.readdirSync(REFERENCE).filter((d) => fs.existsSync(path.join(REFERENCE, d, "init.caffemodel"))) : [];

  it.each(cases)("%s/init.caffemodel holds the weights Caffe reported (shapes, sums, probes)", (name) => {
    const schema = caffeSchema();
    const net = decodeBinary(fs.readFileSync(path.join(REFERENCE, name, "init.caffemodel")), "caffe.NetParameter", schema);
    const reference = JSON.parse(fs.readFileSync(path.join(REFERENCE, name, "reference.json"), "utf8"));
    const params = reference.init.params as Record<string, { shape: number[]; data: BlobStats }[]>;
    const byName = new Map((net.layer as PlainMessage[]).map((l) => [l.name as string, l]));
    expect(Object.keys(params).length).toBeGreaterThan(0);
    for (const [layerName, blobs] of Object.entries(params)) {
      const stored = (byName.get(layerName)?.blobs as PlainMessage[] | undefined) ?? [];
      expect(stored.length, layerName).toBe(blobs.length);
      blobs.forEach((expected, i) => {
        const blob = stored[i]!;
        expect(((blob.shape as PlainMessage).dim as string[]).map(Number)).toEqual(expected.shape);
        const data = floatArray(blob, "data");
        expect(data.length).toBe(expected.shape.reduce((a, b) => a * b, 1));
        const n = data.length;
        const probeIndices = [...new Set([0, 1, 2, 3, 4, 5, 6, 7].map((k) => Math.floor((k * (n - 1)) / 7)))];
        expect(probeIndices.map((j) => data[j])).toEqual(expected.data.probe);
        let sum = 0;
        for (let j = 0; j < n; j++) sum += data[j]!;
        expect(Math.abs(sum - expected.data.sum)).toBeLessThanOrEqual(SUM_RELATIVE_TOLERANCE * Math.max(1, Math.abs(expected.data.sum)));
      });
    }
  });

  it("decodes the CIFAR mean.binaryproto as a 1x3x32x32 BlobProto", () => {
    const file = path.join(REFERENCE, "cifar_quick_mean", "mean.binaryproto");
    const blob = decodeBinary(fs.readFileSync(file), "caffe.BlobProto", caffeSchema());
    const dims = blob.shape ? ((blob.shape as PlainMessage).dim as string[]).map(Number) : [blob.num, blob.channels, blob.height, blob.width].map(Number);
    expect(dims).toEqual([1, 3, 32, 32]);
    const data = floatArray(blob, "data");
    expect(data.length).toBe(3 * 32 * 32);
    // A per-pixel mean of uint8 images lies in [0, 255].
    expect(data.every((v) => v >= 0 && v <= 255)).toBe(true);
  });
});
