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
import { decodeBlobProto } from "../engine/weights.js";
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
    // The same BlobProto decoder that reads .caffemodel blobs.
    const decoded = decodeBlobProto(bytes);
    blob = { storedShape: decoded.shape, data: decoded.data };
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
