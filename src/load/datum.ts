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
  resetFields(out);
  decodeFrom(bytes, start, end, out, false);
}

function resetFields(out: DatumFields): void {
  out.channels = 0;
  out.height = 0;
  out.width = 0;
  out.label = 0;
  out.encoded = false;
  out.dataStart = -1;
  out.dataEnd = -1;
  out.floatCount = 0;
}

/** Longest record head (the bytes up to the pixels) that DatumHeadCache keeps. */
const HEAD_CACHE_BYTES = 32;

/**
 * The head of the last record decoded through it: the bytes before its `data`
 * field's contents (tags and values of the fields before it, the data tag and
 * length) and the fields they set. Records of one dataset nearly always share
 * that head, so the next one can skip straight to the bytes after its pixels.
 */
export interface DatumHeadCache {
  /** Bytes in `head`; 0 when nothing is cached. */
  length: number;
  head: Uint8Array;
  /** The head as little-endian 32-bit words (its first length >> 2 words), compared four bytes at a time. */
  words: Uint32Array;
  fields: DatumFields;
  /** A DataView of the ArrayBuffer under the last record decoded (records of one page, or views into one buffer, share it). */
  view: DataView;
  viewOf: ArrayBufferLike;
  /**
   * The last Uint8Array decoded from, and its byteOffset. A typed array's buffer and byteOffset
   * getters cost 10-15 ns each in Node 20 (not inlined), more than the rest of a cached decode;
   * a scan hands over the same window for a whole run of records, so identity is checked first.
   */
  bytesOf: Uint8Array;
  bytesOffset: number;
  /** Bumped whenever the cached head changes. */
  generation: number;
}

export function newDatumHeadCache(): DatumHeadCache {
  const empty = new Uint8Array(0);
  return {
    length: 0,
    head: new Uint8Array(HEAD_CACHE_BYTES),
    words: new Uint32Array(HEAD_CACHE_BYTES / 4),
    fields: newDatumFields(),
    view: new DataView(empty.buffer),
    viewOf: empty.buffer,
    bytesOf: empty,
    bytesOffset: 0,
    generation: 0,
  };
}

/**
 * decodeDatumFields with a head cache: when the record starts with the same
 * bytes as the cached head, those bytes are known to set the cached fields
 * (the pixels in between set nothing), so only the rest of the record is
 * decoded. Same results and errors as decodeDatumFields. Returns true when
 * the record is the cached head, its pixels and a one-byte label and nothing
 * else: every field but the label and the data position is then the head's
 * (for the head of this cache.generation).
 */
export function decodeDatumFieldsCached(bytes: Uint8Array, start: number, end: number, out: DatumFields, cache: DatumHeadCache): boolean {
  const n = cache.length;
  const known = cache.fields;
  if (n > 0 && start + n + (known.dataEnd - known.dataStart) <= end) {
    if (cache.bytesOf !== bytes) {
      const buffer = bytes.buffer;
      if (cache.viewOf !== buffer) {
        cache.view = new DataView(buffer);
        cache.viewOf = buffer;
      }
      cache.bytesOf = bytes;
      cache.bytesOffset = bytes.byteOffset;
    }
    const view = cache.view, words = cache.words, head = cache.head;
    const whole = n & ~3;
    const at = cache.bytesOffset + start;
    let i = 0;
    while (i < whole && view.getUint32(at + i, true) === words[i >> 2]) i += 4;
    if (i === whole) while (i < n && bytes[start + i] === head[i]) i++;
    if (i === n) {
      out.channels = known.channels;
      out.height = known.height;
      out.width = known.width;
      out.label = known.label;
      out.encoded = known.encoded;
      out.floatCount = known.floatCount;
      const dataEnd = start + n + (known.dataEnd - known.dataStart);
      out.dataStart = start + n;
      out.dataEnd = dataEnd;
      // What nearly every record ends with: the label (field 5) as a one-byte varint.
      if (end === dataEnd + 2 && bytes[dataEnd] === 0x28 && bytes[dataEnd + 1]! < 0x80) {
        out.label = bytes[dataEnd + 1]!;
        return true;
      }
      decodeFrom(bytes, dataEnd, end, out, false);
      return false;
    }
  }
  cache.length = 0;
  cache.generation++;
  resetFields(out);
  const resume = decodeFrom(bytes, start, end, out, true);
  const length = out.dataStart - start;
  if (out.dataStart >= 0 && length <= HEAD_CACHE_BYTES) {
    for (let i = 0; i < length; i++) cache.head[i] = bytes[start + i]!;
    for (let w = 0; w < length >> 2; w++) {
      const h = cache.head;
      cache.words[w] = (h[4 * w]! | (h[4 * w + 1]! << 8) | (h[4 * w + 2]! << 16) | (h[4 * w + 3]! << 24)) >>> 0;
    }
    Object.assign(known, out);
    known.dataStart = length;
    known.dataEnd = length + (out.dataEnd - out.dataStart);
    cache.length = length;
  }
  decodeFrom(bytes, resume, end, out, false);
  return false;
}

/**
 * Decodes fields from bytes[start..end) on top of `out`; with `stopAfterData`
 * it returns just after the first `data` field, else at `end`.
 */
function decodeFrom(bytes: Uint8Array, start: number, end: number, out: DatumFields, stopAfterData: boolean): number {
  const cursor = cursorScratch;
  let pos = start;
  // Tags, small scalars and short lengths are one-byte varints: read those
  // inline and leave longer ones to readVarint32 (this loop runs once per
  // record of a dataset scan).
  while (pos < end) {
    let tag = bytes[pos]!;
    if (tag < 0x80) pos++;
    else {
      cursor.pos = pos;
      tag = readVarint32(bytes, cursor, end);
      pos = cursor.pos;
    }
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) throw new DatumDecodeError("field number 0");
    if (wire === WIRE_VARINT || wire === WIRE_LEN) {
      if (pos >= end) throw new DatumDecodeError("truncated varint");
      let v = bytes[pos]!;
      if (v < 0x80) pos++;
      else {
        cursor.pos = pos;
        v = readVarint32(bytes, cursor, end);
        pos = cursor.pos;
      }
      if (wire === WIRE_VARINT) {
        if (field === 1) out.channels = v;
        else if (field === 2) out.height = v;
        else if (field === 3) out.width = v;
        else if (field === 5) out.label = v;
        else if (field === 7) out.encoded = v !== 0;
        else if (field === 4 || field === 6) throw new DatumDecodeError(`field ${field} has wire type varint`);
        continue;
      }
      const len = v >>> 0;
      const at = pos;
      if (at + len > end) throw new DatumDecodeError(`field ${field} runs past the end of the record`);
      pos = at + len;
      if (field === 4) {
        out.dataStart = at;
        out.dataEnd = at + len;
        if (stopAfterData) return pos;
      } else if (field === 6) {
        if (len % 4 !== 0) throw new DatumDecodeError("packed float_data length is not a multiple of 4");
        out.floatCount += len / 4;
      } else if (field <= 7) throw new DatumDecodeError(`field ${field} has wire type length-delimited`);
    } else if (wire === WIRE_FIXED32) {
      if (pos + 4 > end) throw new DatumDecodeError("truncated fixed32");
      if (field === 6) out.floatCount++;
      else if (field <= 7) throw new DatumDecodeError(`field ${field} has wire type fixed32`);
      pos += 4;
    } else if (wire === WIRE_FIXED64) {
      if (field <= 7) throw new DatumDecodeError(`field ${field} has wire type fixed64`);
      if (pos + 8 > end) throw new DatumDecodeError("truncated fixed64");
      pos += 8;
    } else {
      throw new DatumDecodeError(`unsupported wire type ${wire}`);
    }
  }
  return pos;
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
