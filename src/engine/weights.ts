/**
 * Loading trained weights from a .caffemodel (a binary NetParameter) into a
 * built net, as Caffe's Net::CopyTrainedLayersFrom does: layers are matched by
 * name, source layers the net lacks are ignored, and every blob must match the
 * target's shape (legacy num/channels/height/width blobs are compared as 4-d).
 *
 * The decoder is a small hand-written protobuf wire reader that only visits
 * what weights need: NetParameter.layer (100, V2) / layers (2, V1) -> name and
 * blobs (BlobProto: num 1, channels 2, height 3, width 4, data 5, shape 7 with
 * dim 1, double_data 8). Packed float data becomes a Float32Array straight from
 * the bytes, so a multi-megabyte model decodes in milliseconds.
 */
import type { Net } from "./net.js";

export class WeightsError extends Error {
  override name = "WeightsError";
}

/** One stored blob: its declared shape and its values. */
export interface StoredBlob {
  /** From BlobProto.shape, or the legacy 4-d [num, channels, height, width]. */
  shape: number[];
  /** Whether the shape came from the legacy num/channels/height/width fields. */
  legacyShape: boolean;
  data: Float32Array;
}

export interface StoredLayer {
  name: string;
  blobs: StoredBlob[];
}

const WIRE_VARINT = 0;
const WIRE_64BIT = 1;
const WIRE_LEN = 2;
const WIRE_32BIT = 5;

interface Reader {
  bytes: Uint8Array;
  view: DataView;
  pos: number;
  end: number;
}

function reader(bytes: Uint8Array, start: number, end: number): Reader {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), pos: start, end };
}

function truncated(): never {
  throw new WeightsError("the caffemodel is truncated or not a binary NetParameter");
}

function readVarint(r: Reader): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.end) truncated();
    const byte = r.bytes[r.pos++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result;
    scale *= 128;
  }
  throw new WeightsError("malformed varint in the caffemodel");
}

/** Read a length-delimited field's bounds. */
function readLength(r: Reader): [number, number] {
  const length = readVarint(r);
  const start = r.pos;
  const end = start + length;
  if (end > r.end) truncated();
  r.pos = end;
  return [start, end];
}

function skipField(r: Reader, wire: number): void {
  if (wire === WIRE_VARINT) readVarint(r);
  else if (wire === WIRE_64BIT) r.pos += 8;
  else if (wire === WIRE_LEN) readLength(r);
  else if (wire === WIRE_32BIT) r.pos += 4;
  else throw new WeightsError(`unsupported protobuf wire type ${wire} in the caffemodel`);
  if (r.pos > r.end) truncated();
}

/** Signed 64-bit varints above 2^63 come back as large positives; Caffe dims are small, so treat them as negative. */
function int64(value: number): number {
  return value >= 2 ** 63 ? value - 2 ** 64 : value;
}

/**
 * Visit every field of the message in bytes[start, end): `visit` reads the
 * fields it wants from `r` and returns true; any other field is skipped.
 */
function forEachField(bytes: Uint8Array, start: number, end: number, visit: (field: number, wire: number, r: Reader) => boolean): void {
  const r = reader(bytes, start, end);
  while (r.pos < r.end) {
    const tag = readVarint(r);
    const wire = tag & 7;
    if (!visit(Math.floor(tag / 8), wire, r)) skipField(r, wire);
  }
}

function decodeShape(bytes: Uint8Array, start: number, end: number): number[] {
  const dims: number[] = [];
  forEachField(bytes, start, end, (field, wire, r) => {
    if (field !== 1) return false;
    if (wire === WIRE_VARINT) dims.push(int64(readVarint(r)));
    else if (wire === WIRE_LEN) {
      const [s, e] = readLength(r);
      const inner = reader(bytes, s, e);
      while (inner.pos < inner.end) dims.push(int64(readVarint(inner)));
    } else return false;
    return true;
  });
  return dims;
}

/** Packed little-endian floats as an aligned Float32Array of their own. */
function packedFloats(bytes: Uint8Array, s: number, e: number, view: DataView): Float32Array {
  if ((e - s) % 4 !== 0) throw new WeightsError("packed float data with a length that is not a multiple of 4");
  const chunk = new Float32Array((e - s) / 4);
  if (littleEndian) new Uint8Array(chunk.buffer).set(bytes.subarray(s, e));
  else for (let i = 0; i < chunk.length; i++) chunk[i] = view.getFloat32(s + 4 * i, true);
  return chunk;
}

function fixedWidth(r: Reader, width: 4 | 8): number {
  if (r.pos + width > r.end) truncated();
  const value = width === 4 ? r.view.getFloat32(r.pos, true) : r.view.getFloat64(r.pos, true);
  r.pos += width;
  return value;
}

function decodeBlob(bytes: Uint8Array, start: number, end: number): StoredBlob {
  const legacy = [0, 0, 0, 0];
  let sawLegacy = false;
  let shape: number[] | undefined;
  const floatChunks: Float32Array[] = [];
  const doubles: number[] = [];
  forEachField(bytes, start, end, (field, wire, r) => {
    if (field >= 1 && field <= 4 && wire === WIRE_VARINT) {
      legacy[field - 1] = int64(readVarint(r));
      sawLegacy = true;
    } else if (field === 5 && wire === WIRE_LEN) {
      const [s, e] = readLength(r);
      floatChunks.push(packedFloats(bytes, s, e, r.view));
    } else if (field === 5 && wire === WIRE_32BIT) floatChunks.push(Float32Array.of(fixedWidth(r, 4)));
    else if (field === 7 && wire === WIRE_LEN) {
      const [s, e] = readLength(r);
      shape = decodeShape(bytes, s, e);
    } else if (field === 8 && wire === WIRE_LEN) {
      const [s, e] = readLength(r);
      for (let p = s; p + 8 <= e; p += 8) doubles.push(r.view.getFloat64(p, true));
    } else if (field === 8 && wire === WIRE_64BIT) doubles.push(fixedWidth(r, 8));
    else return false;
    return true;
  });
  let data: Float32Array;
  if (floatChunks.length === 1) data = floatChunks[0]!;
  else {
    data = new Float32Array(floatChunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const chunk of floatChunks) {
      data.set(chunk, offset);
      offset += chunk.length;
    }
  }
  if (data.length === 0 && doubles.length > 0) data = Float32Array.from(doubles);
  if (shape) return { shape, legacyShape: false, data };
  return { shape: sawLegacy ? legacy : [data.length], legacyShape: sawLegacy, data };
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function decodeLayer(bytes: Uint8Array, start: number, end: number, nameField: number, blobsField: number): StoredLayer {
  let name = "";
  const blobs: StoredBlob[] = [];
  forEachField(bytes, start, end, (field, wire, r) => {
    if (wire !== WIRE_LEN || (field !== nameField && field !== blobsField)) return false;
    const [s, e] = readLength(r);
    if (field === nameField) name = new TextDecoder().decode(bytes.subarray(s, e));
    else blobs.push(decodeBlob(bytes, s, e));
    return true;
  });
  return { name, blobs };
}

/** The named layers and their blobs stored in a binary NetParameter (V2 `layer` entries, then V1 `layers`). */
export function decodeCaffemodel(bytes: Uint8Array): StoredLayer[] {
  const v2: StoredLayer[] = [];
  const v1: StoredLayer[] = [];
  forEachField(bytes, 0, bytes.length, (field, wire, r) => {
    if (wire !== WIRE_LEN || (field !== 100 && field !== 2)) return false;
    const [s, e] = readLength(r);
    if (field === 100) v2.push(decodeLayer(bytes, s, e, 1, 7));
    else v1.push(decodeLayer(bytes, s, e, 4, 6));
    return true;
  });
  // Caffe upgrades a V1 file before copying; a file never mixes both.
  return v2.length > 0 ? v2 : v1;
}

/** Decode a standalone serialized BlobProto (e.g. a mean.binaryproto file). */
export function decodeBlobProto(bytes: Uint8Array): StoredBlob {
  return decodeBlob(bytes, 0, bytes.length);
}

/** Caffe's LegacyShape view of a target shape: at most 4 axes, padded with leading 1s. */
function legacyView(shape: number[]): number[] | undefined {
  if (shape.length > 4) return undefined;
  return [...Array(4 - shape.length).fill(1), ...shape];
}

function shapesMatch(stored: StoredBlob, target: number[]): boolean {
  if (stored.legacyShape) {
    const view = legacyView(target);
    return view !== undefined && view.every((d, i) => d === stored.shape[i]);
  }
  return stored.shape.length === target.length && stored.shape.every((d, i) => d === target[i]);
}

export interface LoadReport {
  /** Net layers that received weights. */
  copied: string[];
  /** Source layers with no layer of that name in the net. */
  ignored: string[];
}

/**
 * Copy the weights of `bytes` (a .caffemodel) into `net` by layer name. Throws
 * WeightsError naming the layer for a blob-count or shape mismatch.
 */
export function loadCaffemodel(bytes: Uint8Array, net: Net): LoadReport {
  const report: LoadReport = { copied: [], ignored: [] };
  // Like Caffe, the first layer of a name receives the weights (Caffe does not forbid duplicate names).
  const byName = new Map<string, Net["layers"][number]>();
  for (const layer of net.layers) if (!byName.has(layer.name)) byName.set(layer.name, layer);
  for (const source of decodeCaffemodel(bytes)) {
    const target = byName.get(source.name);
    if (!target) {
      report.ignored.push(source.name);
      continue;
    }
    const params = target.instance.params;
    if (params.length !== source.blobs.length) {
      throw new WeightsError(`layer "${source.name}": the net has ${params.length} parameter blob(s) but the caffemodel has ${source.blobs.length}`);
    }
    source.blobs.forEach((stored, j) => {
      const blob = params[j]!;
      if (!shapesMatch(stored, blob.shape) || stored.data.length !== blob.data.length) {
        const storedText = stored.legacyShape ? `[${stored.shape.join(", ")}] (num, channels, height, width)` : `[${stored.shape.join(", ")}]`;
        throw new WeightsError(
          `layer "${source.name}" blob ${j}: the caffemodel has shape ${storedText} with ${stored.data.length} values, the net expects [${blob.shape.join(", ")}]`,
        );
      }
      blob.data.set(stored.data);
    });
    report.copied.push(source.name);
  }
  return report;
}
