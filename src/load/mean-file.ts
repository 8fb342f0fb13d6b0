/**
 * Reads a Caffe mean file (`mean.binaryproto`, a serialized caffe.BlobProto):
 *
 *   num = 1, channels = 2, height = 3, width = 4 (int32, legacy shape),
 *   data = 5 (packed float), diff = 6, shape = 7 (BlobShape: dim = 1, packed
 *   int64), double_data = 8 (packed double), double_diff = 9.
 *
 * Hand-decoded: only the shape and the data are needed.
 */
import fs from "node:fs";
import type { MeanImage } from "../engine/types.js";

/** The file is missing, is not a BlobProto, or its data does not fill its shape. */
export class MeanFileError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "MeanFileError";
    this.file = file;
  }
}

export interface MeanFile extends MeanImage {
  /** The shape as stored: BlobShape dims, or legacy [num, channels, height, width]. */
  storedShape: number[];
}

interface Cursor {
  pos: number;
  end: number;
}

function varint(b: Uint8Array, c: Cursor): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.end) throw new Error("truncated varint");
    const byte = b[c.pos++]!;
    if (mul < 2 ** 53) result += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) return result;
  }
  throw new Error("varint longer than 10 bytes");
}

/** int32 fields arrive as 64-bit varints; negative values wrap to large numbers. */
const asInt32 = (v: number) => (v >= 2 ** 31 ? v - 2 ** 64 : v);

/**
 * Decodes a serialized BlobProto into its shape and float data (double_data
 * converted to float when that is what it holds). Throws Error with a reason.
 */
export function decodeBlobProto(bytes: Uint8Array): { storedShape: number[]; data: Float32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c: Cursor = { pos: 0, end: bytes.length };
  const legacy = [0, 0, 0, 0];
  let dims: number[] | undefined;
  const floats: number[] = [];
  const doubles: number[] = [];
  while (c.pos < c.end) {
    const tag = varint(bytes, c);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint(bytes, c);
      if (field >= 1 && field <= 4) legacy[field - 1] = asInt32(v);
    } else if (wire === 2) {
      const len = varint(bytes, c);
      const start = c.pos;
      if (start + len > c.end) throw new Error(`field ${field} runs past the end`);
      c.pos = start + len;
      if (field === 5) {
        if (len % 4) throw new Error("packed float data length is not a multiple of 4");
        for (let o = start; o < start + len; o += 4) floats.push(view.getFloat32(o, true));
      } else if (field === 8) {
        if (len % 8) throw new Error("packed double data length is not a multiple of 8");
        for (let o = start; o < start + len; o += 8) doubles.push(view.getFloat64(o, true));
      } else if (field === 7) {
        dims = [];
        const inner: Cursor = { pos: start, end: start + len };
        while (inner.pos < inner.end) {
          const t = varint(bytes, inner);
          if (t === ((1 << 3) | 2)) {
            const l = varint(bytes, inner);
            const stop = inner.pos + l;
            if (stop > inner.end) throw new Error("shape dims run past their message");
            const packed: Cursor = { pos: inner.pos, end: stop };
            while (packed.pos < stop) dims.push(varint(bytes, packed));
            inner.pos = stop;
          } else if (t === 1 << 3) dims.push(varint(bytes, inner));
          else throw new Error("unexpected field in BlobShape");
        }
      }
    } else if (wire === 5) {
      if (c.pos + 4 > c.end) throw new Error("truncated fixed32");
      if (field === 5) floats.push(view.getFloat32(c.pos, true));
      c.pos += 4;
    } else if (wire === 1) {
      if (c.pos + 8 > c.end) throw new Error("truncated fixed64");
      if (field === 8) doubles.push(view.getFloat64(c.pos, true));
      c.pos += 8;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return { storedShape: dims ?? legacy, data: Float32Array.from(floats.length ? floats : doubles) };
}

/**
 * Reads a mean.binaryproto. The returned `shape` is [C, H, W] (leading
 * dimensions of size 1 dropped, as Caffe's DataTransformer requires num = 1).
 * Throws MeanFileError.
 */
export function readMeanFile(file: string): MeanFile {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new MeanFileError(file, "cannot read the mean file");
  }
  let blob: { storedShape: number[]; data: Float32Array };
  try {
    blob = decodeBlobProto(bytes);
  } catch (e) {
    throw new MeanFileError(file, `not a BlobProto (${(e as Error).message})`);
  }
  const dims = blob.storedShape.slice();
  while (dims.length > 3 && dims[0] === 1) dims.shift();
  while (dims.length < 3) dims.unshift(1);
  if (dims.length !== 3) throw new MeanFileError(file, `mean blob has shape [${blob.storedShape.join(", ")}]; expected one image (num = 1)`);
  const size = dims[0]! * dims[1]! * dims[2]!;
  if (size !== blob.data.length || size === 0) {
    throw new MeanFileError(file, `mean blob shape [${blob.storedShape.join(", ")}] holds ${size} values but the file has ${blob.data.length}`);
  }
  return { shape: dims, storedShape: blob.storedShape, data: blob.data };
}
