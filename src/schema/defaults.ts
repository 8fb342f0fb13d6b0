/**
 * Reading plain messages with the .proto defaults applied. Messages keep
 * only what was written (proto2 presence matters to the rules: an unset
 * `use_global_stats` is not the same as `use_global_stats: false`), so
 * readers ask for defaults here:
 *
 *   const layer = view(schema, "caffe.LayerParameter", message);
 *   layer.msg("batch_norm_param").bool("use_global_stats")   // false when unset
 *   layer.msg("batch_norm_param").has("use_global_stats")    // was it written?
 *   layer.msg("convolution_param").nums("kernel_size")       // [] when unset
 */
import protobuf from "protobufjs";
import { messageType, type Schema } from "./load.js";
import { is64BitType } from "./scalars.js";
import type { PlainMessage, PlainValue } from "./types.js";

type FieldValue = PlainValue | PlainValue[] | undefined;

function scalarDefault(field: protobuf.Field): PlainValue {
  const declared = field.options?.default as unknown;
  if (field.resolvedType instanceof protobuf.Enum) {
    // proto2: without an explicit default, the first value declared in the enum.
    return typeof declared === "string" ? declared : Object.keys(field.resolvedType.values)[0]!;
  }
  switch (field.type) {
    case "float":
      return Math.fround(Number(declared ?? 0));
    case "double":
      return Number(declared ?? 0);
    case "bool":
      return declared === true || declared === "true";
    case "string":
      return declared === undefined ? "" : String(declared);
    case "bytes":
      return declared === undefined ? new Uint8Array(0) : new TextEncoder().encode(String(declared));
    default:
      if (is64BitType(field.type)) return declared === undefined ? "0" : BigInt(String(declared)).toString();
      return Number(declared ?? 0);
  }
}

function fieldOf(type: protobuf.Type, field: string): protobuf.Field {
  const f = type.fields[field];
  if (!f) throw new Error(`${type.fullName.slice(1)} has no field "${field}"`);
  return f;
}

/**
 * The value an unset field reads as: the .proto default (or the type's zero)
 * for scalars and enums (by name), [] for repeated fields, undefined for
 * message fields.
 */
export function fieldDefault(schema: Schema, typeName: string, field: string): FieldValue {
  return defaultOf(fieldOf(messageType(schema, typeName), field));
}

function defaultOf(f: protobuf.Field): FieldValue {
  if (f.repeated) return [];
  if (f.resolvedType instanceof protobuf.Type) return undefined;
  return scalarDefault(f);
}

/** `message[field]` if set, else the field's default (see fieldDefault). */
export function get(schema: Schema, message: PlainMessage, typeName: string, field: string): FieldValue {
  const value = message[field];
  return value !== undefined ? value : fieldDefault(schema, typeName, field);
}

/** Typed, default-aware access to one message. Accessors throw when the field's type does not match (a programming error). */
export interface MessageView {
  readonly message: PlainMessage;
  readonly typeName: string;
  /** Whether the field was written (for repeated fields: at least once). */
  has(field: string): boolean;
  /** Numeric field (int64 strings converted with Number), default applied. */
  num(field: string): number;
  /** String or enum field (enum by name), default applied. */
  str(field: string): string;
  bool(field: string): boolean;
  /** Nested message, or a view of an empty one when unset. */
  msg(field: string): MessageView;
  msgs(field: string): MessageView[];
  nums(field: string): number[];
  strs(field: string): string[];
}

/** A MessageView of `message`, read as `typeName`. */
export function view(schema: Schema, typeName: string, message: PlainMessage): MessageView {
  return viewOf(messageType(schema, typeName), message);
}

function kindError(type: protobuf.Type, f: protobuf.Field, wanted: string): Error {
  return new Error(`${type.fullName.slice(1)}.${f.name} is ${f.repeated ? "repeated " : ""}${f.type}, not ${wanted}`);
}

function viewOf(type: protobuf.Type, message: PlainMessage): MessageView {
  const typeName = type.fullName.slice(1);
  const singular = (field: string, check: (f: protobuf.Field) => boolean, wanted: string): PlainValue => {
    const f = fieldOf(type, field);
    if (f.repeated || !check(f)) throw kindError(type, f, wanted);
    const value = message[field];
    return (value !== undefined ? value : scalarDefault(f)) as PlainValue;
  };
  const repeated = (field: string, check: (f: protobuf.Field) => boolean, wanted: string): PlainValue[] => {
    const f = fieldOf(type, field);
    if (!f.repeated || !check(f)) throw kindError(type, f, wanted);
    return (message[field] as PlainValue[] | undefined) ?? [];
  };
  const isNumber = (f: protobuf.Field) => !f.resolvedType && !["bool", "string", "bytes"].includes(f.type);
  const isString = (f: protobuf.Field) => f.resolvedType instanceof protobuf.Enum || f.type === "string";
  const subType = (field: string, wantRepeated: boolean): protobuf.Type => {
    const f = fieldOf(type, field);
    if (!(f.resolvedType instanceof protobuf.Type) || f.repeated !== wantRepeated) throw kindError(type, f, wantRepeated ? "repeated message" : "message");
    return f.resolvedType;
  };
  return {
    message,
    typeName,
    has: (field) => {
      fieldOf(type, field);
      const value = message[field];
      return Array.isArray(value) ? value.length > 0 : value !== undefined;
    },
    num: (field) => Number(singular(field, isNumber, "a number")),
    str: (field) => singular(field, isString, "a string") as string,
    bool: (field) => singular(field, (f) => f.type === "bool", "a bool") as boolean,
    msg: (field) => viewOf(subType(field, false), (message[field] as PlainMessage | undefined) ?? {}),
    msgs: (field) => {
      const sub = subType(field, true);
      return ((message[field] as PlainMessage[] | undefined) ?? []).map((m) => viewOf(sub, m));
    },
    nums: (field) => repeated(field, isNumber, "numbers").map(Number),
    strs: (field) => repeated(field, isString, "strings") as string[],
  };
}
