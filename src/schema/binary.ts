/**
 * Decoding binary protobuf files (.caffemodel weights, .binaryproto means,
 * LMDB Datum values) into the same plain representation as text files:
 * unset fields absent, enums by name, 64-bit integers as decimal strings,
 * bytes as Uint8Array (a copy), floats as their exact float32 values.
 *
 * Repeated float fields (BlobProto `data` / `diff`, Datum `float_data`) are
 * plain number arrays like every repeated field; `floatArray` turns one into
 * the Float32Array numeric code wants. Binary messages carry no positions.
 */
import protobuf from "protobufjs";
import { messageType, type Schema } from "./load.js";
import type { PlainMessage, PlainValue } from "./types.js";

/** A file that is not a valid encoding of the expected message type. */
export class BinaryDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BinaryDecodeError";
  }
}

function isLong(v: unknown): v is { toString(): string; low: number; high: number } {
  return typeof v === "object" && v !== null && "low" in v && "high" in v;
}

function plainValue(v: unknown, field: protobuf.Field): PlainValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return plainMessage(v as protobuf.Message, resolved);
  if (resolved instanceof protobuf.Enum) {
    // A number the enum does not know stays a number.
    return resolved.valuesById[v as number] ?? (v as number);
  }
  if (isLong(v)) return v.toString();
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (typeof v === "number" && SIXTY_FOUR_BIT.has(field.type)) return String(v);
  return v as PlainValue;
}

const SIXTY_FOUR_BIT = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/** Scalar types whose decoded JS values are already plain values. */
function keepsDecodedValues(field: protobuf.Field): boolean {
  return !field.resolvedType && !SIXTY_FOUR_BIT.has(field.type) && field.type !== "bytes";
}

function plainMessage(decoded: protobuf.Message, type: protobuf.Type): PlainMessage {
  const out: PlainMessage = {};
  const source = decoded as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(source, field.name)) continue;
    const value = source[field.name];
    if (value === undefined || value === null) continue;
    if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      if (keepsDecodedValues(field)) {
        // The decoder built this array for us and its numbers are final: no copy (weights can be millions of floats).
        out[field.name] = list as PlainValue[];
        continue;
      }
      const converted = new Array<PlainValue>(list.length);
      for (let i = 0; i < list.length; i++) converted[i] = plainValue(list[i], field);
      out[field.name] = converted;
    } else {
      out[field.name] = plainValue(value, field);
    }
  }
  return out;
}

/**
 * Decodes `bytes` as message `typeName` (e.g. "caffe.NetParameter" for a
 * .caffemodel, "caffe.BlobProto" for a .binaryproto mean).
 * Throws BinaryDecodeError for truncated or malformed data.
 */
export function decodeBinary(bytes: Uint8Array, typeName: string, schema: Schema): PlainMessage {
  const type = messageType(schema, typeName);
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new BinaryDecodeError(`not a valid ${typeName.replace(/^caffe\./, "")} (${bytes.length} bytes): ${why}`);
  }
  return plainMessage(decoded, type);
}

/** A repeated float field (e.g. a BlobProto's `data`) as a Float32Array (empty when unset). */
export function floatArray(message: PlainMessage, field: string): Float32Array {
  const value = message[field];
  if (value === undefined) return new Float32Array(0);
  if (!Array.isArray(value)) throw new Error(`field ${field} is not repeated`);
  return Float32Array.from(value as number[]);
}
