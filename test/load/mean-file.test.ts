/**
 * Mean files: BlobProto bytes encoded by protobufjs in every shape form, and
 * the reference CIFAR mean file checked against the per-pixel mean of the
 * LMDB it was computed from.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { afterAll, describe, expect, it } from "vitest";
import { decodeDatum } from "../../src/load/datum.js";
import { openLmdb } from "../../src/load/lmdb/index.js";
import { MeanFileError, readMeanFile } from "../../src/load/mean-file.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CIFAR = path.resolve(REPO, "../shared/caffe-reference/cifar_quick_mean");
const haveShared = fs.existsSync(CIFAR);
if (!haveShared) console.warn("../shared absent: skipping the reference mean file test");
/** A float32 mean of 256 uint8 values differs from the float64 mean by rounding only. */
const MEAN_TOL = 1e-4;

const root = protobuf.parse(
  `syntax = "proto2";
   message BlobShape { repeated int64 dim = 1 [packed = true]; }
   message BlobProto { optional int32 num = 1; optional int32 channels = 2; optional int32 height = 3; optional int32 width = 4;
     repeated float data = 5 [packed = true]; repeated float diff = 6 [packed = true]; optional BlobShape shape = 7;
     repeated double double_data = 8 [packed = true]; }`,
  { keepCase: true },
).root;
const BlobProto = root.lookupType("BlobProto");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-mean-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function write(name: string, message: object): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, BlobProto.encode(BlobProto.fromObject(message)).finish());
  return file;
}
const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.fround(i * 1.5 - 7));

describe("readMeanFile", () => {
  it("legacy num/channels/height/width", () => {
    const m = readMeanFile(write("legacy.binaryproto", { num: 1, channels: 2, height: 3, width: 4, data: values, diff: [1, 2] }));
    expect(m.shape).toEqual([2, 3, 4]);
    expect(m.storedShape).toEqual([1, 2, 3, 4]);
    expect(Array.from(m.data)).toEqual(values);
  });

  it("BlobShape dims and double data", () => {
    const m = readMeanFile(write("shape.binaryproto", { shape: { dim: [2, 3, 4] }, double_data: values }));
    expect(m.shape).toEqual([2, 3, 4]);
    expect(Array.from(m.data)).toEqual(values);
  });

  it("refuses a blob whose data does not fill its shape, and non-BlobProto bytes", () => {
    expect(() => readMeanFile(write("short.binaryproto", { num: 1, channels: 2, height: 3, width: 5, data: values }))).toThrow(/holds 30 values/);
    const junk = path.join(tmp, "junk.binaryproto");
    fs.writeFileSync(junk, Buffer.from([0x2a, 0xff, 0xff, 0x01]));
    expect(() => readMeanFile(junk)).toThrow(MeanFileError);
    expect(() => readMeanFile(path.join(tmp, "missing"))).toThrow(/cannot read/);
  });
});

describe.skipIf(!haveShared)("reference mean file (skipped when ../shared absent)", () => {
  it("equals the per-pixel mean of the training LMDB", () => {
    const m = readMeanFile(path.join(CIFAR, "mean.binaryproto"));
    expect(m.shape).toEqual([3, 32, 32]);
    const sum = new Float64Array(3 * 32 * 32);
    let n = 0;
    for (const { value } of openLmdb(path.join(CIFAR, "train_lmdb")).entries()) {
      const d = decodeDatum(value);
      for (let i = 0; i < sum.length; i++) sum[i]! += d.data![i]!;
      n++;
    }
    let worst = 0;
    for (let i = 0; i < sum.length; i++) worst = Math.max(worst, Math.abs(sum[i]! / n - m.data[i]!));
    expect(worst).toBeLessThan(MEAN_TOL);
  });
});
