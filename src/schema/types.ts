/**
 * The boundary of the schema stage: a text-format document bound to a
 * protobuf message type becomes a plain object (the "message"), with the
 * .proto field names as keys, plus a side table of source positions.
 *
 * Value representation (the same as protobuf JSON with preserved names, except
 * where noted):
 *  - singular fields: the value; repeated fields: an array; unset fields: absent
 *    (defaults are NOT filled in; readers apply the .proto default themselves);
 *  - enums: the value's name (string);
 *  - bool: boolean; int32/uint32/sint32/fixed32/sfixed32: number;
 *  - int64/uint64/sint64/fixed64/sfixed64: decimal string;
 *  - float: the float32 value as a number (Math.fround applied), double: number,
 *    non-finite values as the numbers NaN / Infinity / -Infinity;
 *  - string: string; bytes: Uint8Array;
 *  - nested messages: PlainMessage.
 */
import type { Span } from "../prototxt/ast.js";

export type PlainValue = string | number | boolean | Uint8Array | PlainMessage;
export interface PlainMessage {
  [field: string]: PlainValue | PlainValue[] | undefined;
}

/** Where one occurrence of a field was written. */
export interface FieldPosition {
  name: Span;
  value: Span;
}

/** Positions of one message: its own span and, per field name, every occurrence in source order. */
export interface MessagePositions {
  span: Span;
  fields: Map<string, FieldPosition[]>;
}

/**
 * Positions are attached to message objects through a WeakMap, so messages
 * stay plain data (JSON.stringify, structuredClone and deep equality ignore them).
 */
const positions = new WeakMap<object, MessagePositions>();

export function setPositions(message: PlainMessage, pos: MessagePositions): void {
  positions.set(message, pos);
}

export function positionsOf(message: PlainMessage): MessagePositions | undefined {
  return positions.get(message);
}

/**
 * The span of `field` in `message`: for a repeated field, occurrence `index`
 * (default: the last one written); falls back to the message's own span.
 */
export function spanOf(message: PlainMessage, field?: string, index?: number): Span | undefined {
  const pos = positions.get(message);
  if (!pos) return undefined;
  if (field === undefined) return pos.span;
  const occurrences = pos.fields.get(field);
  if (!occurrences || occurrences.length === 0) return pos.span;
  const i = index === undefined ? occurrences.length - 1 : Math.min(index, occurrences.length - 1);
  return { start: occurrences[i]!.name.start, end: occurrences[i]!.value.end };
}

/** A problem found while binding text to a schema: unknown field, bad value, V1 upgrade note. */
export interface SchemaDiagnostic {
  severity: "error" | "warning";
  message: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** For unknown fields: the closest valid name. */
  suggestion?: string;
}
