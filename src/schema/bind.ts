/**
 * Binding a text-format syntax tree to a message type of the schema: every
 * field name is looked up, every value checked against the field's type and
 * converted to the plain representation of ./types.ts, and the source
 * position of every field occurrence is attached to its message object.
 *
 * Problems do not stop the binding: each becomes a diagnostic and the
 * offending occurrence is left out, so the returned message is always usable.
 * Semantics follow Google's text-format parser (the reference for the corpus):
 * unknown fields are errors; a non-repeated scalar field given twice is an
 * error (Caffe's own C++ loader would silently keep the last value, which is
 * what the message then holds); a non-repeated message field given twice is
 * merged; `[a, b]` lists are only allowed for repeated fields.
 */
import protobuf from "protobufjs";
import type { Document, EmptyList, Field, MessageValue, Span } from "../prototxt/ast.js";
import { closestName } from "./closest.js";
import { messageType, typeInfo, type Schema } from "./load.js";
import { convertScalar } from "./scalars.js";
import {
  positionsOf,
  setPositions,
  type FieldPosition,
  type MessagePositions,
  type PlainMessage,
  type PlainValue,
  type SchemaDiagnostic,
} from "./types.js";

export interface BindResult {
  message: PlainMessage;
  diagnostics: SchemaDiagnostic[];
}

/** A diagnostic covering `span`. */
export function diagnosticAt(severity: SchemaDiagnostic["severity"], message: string, span: Span, suggestion?: string): SchemaDiagnostic {
  const d: SchemaDiagnostic = {
    severity,
    message,
    line: span.start.line,
    column: span.start.column,
    endLine: span.end.line,
    endColumn: span.end.column,
  };
  if (suggestion !== undefined) d.suggestion = suggestion;
  return d;
}

function documentSpan(doc: Document): Span {
  const first = doc.fields[0];
  const last = doc.fields[doc.fields.length - 1];
  const origin = { line: 1, column: 1, offset: 0 };
  return { start: first ? first.span.start : origin, end: last ? last.span.end : origin };
}

function typeLabel(field: protobuf.Field): string {
  return field.resolvedType ? field.resolvedType.fullName.replace(/^\./, "") : field.type;
}

function addPosition(pos: MessagePositions, name: string, entry: FieldPosition): void {
  const list = pos.fields.get(name);
  if (list) list.push(entry);
  else pos.fields.set(name, [entry]);
}

interface Binder {
  diagnostics: SchemaDiagnostic[];
  /** Empty lists `name: []` not yet attributed to their message, in source order. */
  emptyLists: EmptyList[];
  /** Name offsets of lists already reported as not allowed (one error per list, not per element). */
  badLists: Set<number>;
}

function error(b: Binder, message: string, span: Span, suggestion?: string): void {
  b.diagnostics.push(diagnosticAt("error", message, span, suggestion));
}

/** Binds a `{ ... }` value to a new or existing (merged) message object. */
function bindSubMessage(b: Binder, value: MessageValue, type: protobuf.Type, existing?: PlainMessage): PlainMessage {
  const message = existing ?? {};
  let pos = positionsOf(message);
  if (!pos) {
    pos = { span: value.span, fields: new Map() };
    setPositions(message, pos);
  }
  bindFields(b, value.fields, type, message, pos, value.span);
  checkRequired(b, type, message, value.span);
  return message;
}

function checkRequired(b: Binder, type: protobuf.Type, message: PlainMessage, span: Span): void {
  for (const field of typeInfo(type).requiredFields) {
    if (message[field.name] === undefined) {
      error(b, `${typeInfo(type).name} requires field "${field.name}", which is missing`, span);
    }
  }
}

function bindField(b: Binder, f: Field, type: protobuf.Type, message: PlainMessage, pos: MessagePositions): void {
  const info = typeInfo(type);
  const entry = info.byName.get(f.name);
  if (!entry || (entry.messageType === undefined && f.value.kind === "message")) {
    // This `{ ... }` is not bound: its empty lists must not be taken for the enclosing message's.
    if (f.value.kind === "message") dropEmptyListsIn(b, f.value.span);
  }
  if (!entry) {
    const suggestion = closestName(f.name, info.fieldNames);
    const hint = suggestion ? `; did you mean "${suggestion}"?` : "";
    error(b, `Message type "${info.name}" has no field named "${f.name}"${hint}`, f.nameSpan, suggestion);
    return;
  }
  const { field, messageType: messageOf } = entry;
  const typeName = info.name;
  if (f.inList && !field.repeated) {
    // The tree has no position for '[', so the first element stands for the list.
    if (b.badLists.has(f.nameSpan.start.offset)) return;
    b.badLists.add(f.nameSpan.start.offset);
    error(b, `field "${f.name}" of ${typeName} is not repeated: a [ ... ] list is not allowed`, f.value.span);
    return;
  }
  const position: FieldPosition = { name: f.nameSpan, value: f.value.span };
  let value: PlainValue;
  if (messageOf) {
    if (f.value.kind !== "message") {
      error(b, `field "${f.name}" is a message (${typeLabel(field)}): expected { ... }`, f.value.span);
      return;
    }
    const existing = field.repeated ? undefined : (message[f.name] as PlainMessage | undefined);
    value = bindSubMessage(b, f.value, messageOf, existing);
  } else {
    if (f.value.kind === "message") {
      error(b, `field "${f.name}" is a ${typeLabel(field)}, not a message`, f.value.span);
      return;
    }
    if (!f.hasColon) {
      error(b, `expected ":" between field "${f.name}" and its value`, f.value.span);
      return;
    }
    const converted = convertScalar(f.value, field);
    if (!converted.ok) {
      error(b, `field "${f.name}": ${converted.error}`, f.value.span, converted.suggestion);
      return;
    }
    if (!field.repeated && message[f.name] !== undefined) {
      error(b, `Message type "${typeName}" should not have multiple "${f.name}" fields (Caffe would keep the last one)`, f.value.span);
    }
    value = converted.value;
  }
  if (field.repeated) {
    const list = message[f.name] as PlainValue[] | undefined;
    if (list) list.push(value);
    else message[f.name] = [value];
  } else {
    message[f.name] = value;
  }
  addPosition(pos, f.name, position);
}

function contains(outer: Span, inner: Span): boolean {
  return outer.start.offset <= inner.start.offset && inner.end.offset <= outer.end.offset;
}

function dropEmptyListsIn(b: Binder, span: Span): void {
  if (b.emptyLists.length > 0) b.emptyLists = b.emptyLists.filter((list) => !contains(span, list.span));
}

/**
 * An empty list sets nothing, but its name must still exist and be repeated.
 * Nested messages are bound first, so the lists still pending inside `span` belong to this message.
 */
function checkEmptyLists(b: Binder, span: Span | undefined, type: protobuf.Type): void {
  if (b.emptyLists.length === 0) return;
  const typeName = typeInfo(type).name;
  b.emptyLists = b.emptyLists.filter((list) => {
    if (span && !contains(span, list.span)) return true;
    const field = type.fields[list.name];
    if (!field) {
      const suggestion = closestName(list.name, typeInfo(type).fieldNames);
      const hint = suggestion ? `; did you mean "${suggestion}"?` : "";
      error(b, `Message type "${typeName}" has no field named "${list.name}"${hint}`, list.nameSpan, suggestion);
    } else if (!field.repeated) {
      error(b, `field "${list.name}" of ${typeName} is not repeated: a [ ... ] list is not allowed`, list.span);
    }
    return false;
  });
}

function bindFields(b: Binder, fields: Field[], type: protobuf.Type, message: PlainMessage, pos: MessagePositions, span?: Span): void {
  for (const f of fields) bindField(b, f, type, message, pos);
  checkEmptyLists(b, span, type);
}

function byPosition(a: SchemaDiagnostic, b: SchemaDiagnostic): number {
  return a.line - b.line || a.column - b.column;
}

/**
 * Binds a parsed document to message type `typeName` (e.g. "caffe.NetParameter").
 * Returns the plain message (positions attached to it and every nested message)
 * and all diagnostics in source order.
 */
export function bindMessage(doc: Document, typeName: string, schema: Schema): BindResult {
  const type = messageType(schema, typeName);
  const b: Binder = { diagnostics: [], emptyLists: [...(doc.emptyLists ?? [])], badLists: new Set() };
  const span = documentSpan(doc);
  const message: PlainMessage = {};
  const pos: MessagePositions = { span, fields: new Map() };
  setPositions(message, pos);
  bindFields(b, doc.fields, type, message, pos);
  checkRequired(b, type, message, span);
  return { message, diagnostics: b.diagnostics.sort(byPosition) };
}
