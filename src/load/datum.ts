/**
 * A hand-written decoder (and encoder) of `caffe.Datum`, the record Caffe
 * stores in its LMDB/LevelDB datasets:
 *
 *   channels = 1, height = 2, width = 3 (int32), data = 4 (bytes),
 *   label = 5 (int32), float_data = 6 (repeated float, packed or not),
 *   encoded = 7 (bool).
 *
 * Decoding does not copy pixel bytes: `data` is a view into the input.
 * Unknown fields are skipped as protobuf requires; a later occurrence of a
 * singular field wins, repeated float_data occurrences concatenate.
 */
import type { DatumLike } from "../engine/types.js";

/** The bytes are not a well-formed protobuf message (truncated, bad wire type, ...). */
export class DatumDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatumDecodeError";
  }
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Reads a varint at `pos`; returns the low 32 bits as a signed int and stores the end in `cursor.pos`. */
function readVarint32(b: Uint8Array, cursor: { pos: number }, end: number = b.length): number {
  let pos = cursor.pos;
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new DatumDecodeError("truncated varint");
    const byte = b[pos++]!;
    if (shift < 32) result |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) {
      cursor.pos = pos;
      return result | 0;
    }
  }
  throw new DatumDecodeError("varint longer than 10 bytes");
}


/**
 * The fields of a Datum without its pixels: positions into the buffer it was
 * decoded from. Filled in place by decodeDatumFields (no allocation).
 */
export interface DatumFields {
  channels: number;
  height: number;
  width: number;
  label: number;
  encoded: boolean;
  /** Byte range of `data` in the buffer; dataStart < 0 when absent. */
  dataStart: number;
  dataEnd: number;
  /** Number of float_data values (packed and unpacked occurrences together). */
  floatCount: number;
}

/** A DatumFields to reuse across calls. */
export function newDatumFields(): DatumFields {
  return { channels: 0, height: 0, width: 0, label: 0, encoded: false, dataStart: -1, dataEnd: -1, floatCount: 0 };
}

const cursorScratch = { pos: 0 };

/**
 * Decodes the Datum in bytes[start..end) into `out` without copying or
 * allocating: scalars, the byte range of `data`, the float_data count.
 * Throws DatumDecodeError when the bytes are not a valid message.
 */
export function decodeDatumFields(bytes: Uint8Array, start: number, end: number, out: DatumFields): void {
  const cursor = cursorScratch;
  cursor.pos = start;
  out.channels = 0;
  out.height = 0;
  out.width = 0;
  out.label = 0;
  out.encoded = false;
  out.dataStart = -1;
  out.dataEnd = -1;
  out.floatCount = 0;
  while (cursor.pos < end) {
    const tag = readVarint32(bytes, cursor, end);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) throw new DatumDecodeError("field number 0");
    if (wire === WIRE_VARINT) {
      const v = readVarint32(bytes, cursor, end);
      if (field === 1) out.channels = v;
      else if (field === 2) out.height = v;
      else if (field === 3) out.width = v;
      else if (field === 5) out.label = v;
      else if (field === 7) out.encoded = v !== 0;
      else if (field === 4 || field === 6) throw new DatumDecodeError(`field ${field} has wire type varint`);
    } else if (wire === WIRE_LEN) {
      const len = readVarint32(bytes, cursor, end) >>> 0;
      const at = cursor.pos;
      if (at + len > end) throw new DatumDecodeError(`field ${field} runs past the end of the record`);
      cursor.pos = at + len;
      if (field === 4) {
        out.dataStart = at;
        out.dataEnd = at + len;
      } else if (field === 6) {
        if (len % 4 !== 0) throw new DatumDecodeError("packed float_data length is not a multiple of 4");
        out.floatCount += len / 4;
      } else if (field <= 7) throw new DatumDecodeError(`field ${field} has wire type length-delimited`);
    } else if (wire === WIRE_FIXED32) {
      if (cursor.pos + 4 > end) throw new DatumDecodeError("truncated fixed32");
      if (field === 6) out.floatCount++;
      else if (field <= 7) throw new DatumDecodeError(`field ${field} has wire type fixed32`);
      cursor.pos += 4;
    } else if (wire === WIRE_FIXED64) {
      if (field <= 7) throw new DatumDecodeError(`field ${field} has wire type fixed64`);
      if (cursor.pos + 8 > end) throw new DatumDecodeError("truncated fixed64");
      cursor.pos += 8;
    } else {
      throw new DatumDecodeError(`unsupported wire type ${wire}`);
    }
  }
}

/** Collects float_data (packed and unpacked) of an already validated Datum in bytes[start..end). */
function collectFloats(bytes: Uint8Array, start: number, end: number, out: Float32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cursor = { pos: start };
  let n = 0;
  while (cursor.pos < end) {
    const tag = readVarint32(bytes, cursor, end);
    const wire = tag & 7;
    if (wire === WIRE_VARINT) readVarint32(bytes, cursor, end);
    else if (wire === WIRE_LEN) {
      const len = readVarint32(bytes, cursor, end) >>> 0;
      if (tag >>> 3 === 6) for (let o = cursor.pos; o < cursor.pos + len; o += 4) out[n++] = view.getFloat32(o, true);
      cursor.pos += len;
    } else if (wire === WIRE_FIXED32) {
      if (tag >>> 3 === 6) out[n++] = view.getFloat32(cursor.pos, true);
      cursor.pos += 4;
    } else cursor.pos += 8;
  }
}

/**
 * Decodes a serialized caffe.Datum. Unset numeric fields are 0, as protobuf
 * defaults them. Throws DatumDecodeError when the bytes are not a valid message.
 */
export function decodeDatum(bytes: Uint8Array): DatumLike {
  const f = newDatumFields();
  decodeDatumFields(bytes, 0, bytes.length, f);
  const datum: DatumLike = { channels: f.channels, height: f.height, width: f.width, label: f.label };
  if (f.dataStart >= 0) datum.data = bytes.subarray(f.dataStart, f.dataEnd);
  if (f.floatCount > 0) {
    const floats = new Float32Array(f.floatCount);
    collectFloats(bytes, 0, bytes.length, floats);
    datum.float_data = floats;
  }
  if (f.encoded) datum.encoded = true;
  return datum;
}

/** The float_data of the Datum in bytes[start..end) whose fields were decoded into `f`. */
export function datumFloats(bytes: Uint8Array, start: number, end: number, f: DatumFields): Float32Array {
  const floats = new Float32Array(f.floatCount);
  collectFloats(bytes, start, end, floats);
  return floats;
}

/** Like decodeDatum, but returns the reason instead of throwing. */
export function tryDecodeDatum(bytes: Uint8Array): { datum: DatumLike; error?: undefined } | { datum?: undefined; error: string } {
  try {
    return { datum: decodeDatum(bytes) };
  } catch (e) {
    if (e instanceof DatumDecodeError) return { error: e.message };
    throw e;
  }
}

function varintSize(v: number): number {
  if (v < 0) return 10;
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putVarint(out: Uint8Array, pos: number, v: number): number {
  if (v < 0) {
    // int32 negatives are sign-extended to 64 bits: 10 bytes.
    let lo = v >>> 0;
    for (let i = 0; i < 4; i++) {
      out[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    out[pos++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) out[pos++] = 0xff;
    out[pos++] = 0x01;
    return pos;
  }
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

/**
 * Serializes a Datum the way Caffe's C++ protobuf does (fields in number order,
 * zero-valued scalars omitted, float_data packed only if the schema says so:
 * Caffe's is not packed, so each float is its own fixed32 field).
 */
export function encodeDatum(d: DatumLike): Uint8Array {
  const floats = d.float_data ? Array.from(d.float_data) : [];
  const scalars: [number, number][] = [
    [1, d.channels],
    [2, d.height],
    [3, d.width],
  ];
  let size = 0;
  for (const [, v] of scalars) if (v) size += 1 + varintSize(v);
  if (d.data) size += 1 + varintSize(d.data.length) + d.data.length;
  if (d.label) size += 1 + varintSize(d.label);
  size += floats.length * 5;
  if (d.encoded) size += 2;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const [field, v] of scalars) {
    if (!v) continue;
    out[pos++] = field << 3;
    pos = putVarint(out, pos, v);
  }
  if (d.data) {
    out[pos++] = (4 << 3) | WIRE_LEN;
    pos = putVarint(out, pos, d.data.length);
    out.set(d.data, pos);
    pos += d.data.length;
  }
  if (d.label) {
    out[pos++] = 5 << 3;
    pos = putVarint(out, pos, d.label);
  }
  if (floats.length) {
    const view = new DataView(out.buffer);
    for (const f of floats) {
      out[pos++] = (6 << 3) | WIRE_FIXED32;
      view.setFloat32(pos, f, true);
      pos += 4;
    }
  }
  if (d.encoded) {
    out[pos++] = 7 << 3;
    out[pos++] = 1;
  }
  return out;
}

/**
 * Returns a copy of a serialized Datum with its label replaced, every other
 * field kept byte for byte (label fields are dropped and one is appended).
 * Throws DatumDecodeError for malformed input.
 */
export function replaceDatumLabel(bytes: Uint8Array, label: number): Uint8Array {
  const cursor = { pos: 0 };
  const kept: [number, number][] = [];
  while (cursor.pos < bytes.length) {
    const fieldStart = cursor.pos;
    const tag = readVarint32(bytes, cursor);
    const wire = tag & 7;
    if (wire === WIRE_VARINT) readVarint32(bytes, cursor);
    else if (wire === WIRE_LEN) {
      const len = readVarint32(bytes, cursor) >>> 0;
      cursor.pos += len;
    }
    else if (wire === WIRE_FIXED32) cursor.pos += 4;
    else if (wire === WIRE_FIXED64) cursor.pos += 8;
    else throw new DatumDecodeError(`unsupported wire type ${wire}`);
    if (cursor.pos > bytes.length) throw new DatumDecodeError("truncated record");
    if (tag >>> 3 !== 5) kept.push([fieldStart, cursor.pos]);
  }
  const labelSize = label ? 1 + varintSize(label) : 0;
  let size = labelSize;
  for (const [s, e] of kept) size += e - s;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const [s, e] of kept) {
    out.set(bytes.subarray(s, e), pos);
    pos += e - s;
  }
  if (label) {
    out[pos++] = 5 << 3;
    putVarint(out, pos, label);
  }
  return out;
}
