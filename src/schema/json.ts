/**
 * Protobuf JSON of a plain message, as Google's Python `MessageToDict(msg,
 * preserving_proto_field_name=True)` writes it: .proto field names, unset
 * fields omitted, fields set to their default kept, enums by name, 64-bit
 * integers as strings, bytes in base64, non-finite floats as "NaN" /
 * "Infinity" / "-Infinity", and float (32-bit) fields as the shortest
 * decimal that reads back as the same float32.
 */
import protobuf from "protobufjs";
import { messageType, typeInfo, type Schema } from "./load.js";
import type { PlainMessage, PlainValue } from "./types.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Significant digits that always identify a float32 uniquely. */
const FLOAT32_MAX_DIGITS = 9;
/** Fewest significant digits tried, as Google's shortest-float printer does. */
const FLOAT32_MIN_DIGITS = 6;

/** The double with the fewest significant digits (6 to 9) that rounds to the same float32 as `value`. */
export function shortestFloat32(value: number): number {
  const target = Math.fround(value);
  if (target === 0) return target; // keeps -0, which toPrecision would print as "0"
  for (let digits = FLOAT32_MIN_DIGITS; digits < FLOAT32_MAX_DIGITS; digits++) {
    const rounded = Number(target.toPrecision(digits));
    if (Math.fround(rounded) === target) return rounded;
  }
  return Number(target.toPrecision(FLOAT32_MAX_DIGITS));
}

function nonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return undefined;
}

function scalarJson(value: PlainValue, field: protobuf.Field): JsonValue {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (typeof value === "number" && (field.type === "float" || field.type === "double")) {
    const special = nonFinite(value);
    if (special !== undefined) return special;
    return field.type === "float" ? shortestFloat32(value) : value;
  }
  if (typeof value === "object") throw new Error(`field ${field.name}: expected a scalar value`);
  return value;
}

function valueJson(value: PlainValue, field: protobuf.Field): JsonValue {
  if (field.resolvedType instanceof protobuf.Type) return messageJson(value as PlainMessage, field.resolvedType);
  return scalarJson(value, field);
}

function messageJson(message: PlainMessage, type: protobuf.Type): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const field of typeInfo(type).fieldsByNumber) {
    const value = message[field.name];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) out[field.name] = value.map((v) => valueJson(v, field));
    } else {
      out[field.name] = valueJson(value, field);
    }
  }
  return out;
}

/** The protobuf JSON object of `message`, read as type `typeName`. */
export function toProtoJson(message: PlainMessage, typeName: string, schema: Schema): { [key: string]: JsonValue } {
  return messageJson(message, messageType(schema, typeName));
}
