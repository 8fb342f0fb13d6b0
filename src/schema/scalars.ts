/**
 * Interpretation of text-format scalar tokens for a field's declared type,
 * following Google's text-format parser: integer bases and ranges, float
 * spellings (inf, nan, 1.0f), boolean spellings, enum names or numbers, UTF-8
 * strings. Each function returns the plain value or an error message.
 */
import protobuf from "protobufjs";
import type { ScalarValue } from "../prototxt/ast.js";
import { closestName } from "./closest.js";
import type { PlainValue } from "./types.js";

export type Converted = { ok: true; value: PlainValue } | { ok: false; error: string; suggestion?: string };

const ok = (value: PlainValue): Converted => ({ ok: true, value });
const fail = (error: string): Converted => ({ ok: false, error });

interface IntRange {
  min: bigint;
  max: bigint;
  is64: boolean;
}

const INT_RANGES: Record<string, IntRange> = {
  int32: { min: -(2n ** 31n), max: 2n ** 31n - 1n, is64: false },
  sint32: { min: -(2n ** 31n), max: 2n ** 31n - 1n, is64: false },
  sfixed32: { min: -(2n ** 31n), max: 2n ** 31n - 1n, is64: false },
  uint32: { min: 0n, max: 2n ** 32n - 1n, is64: false },
  fixed32: { min: 0n, max: 2n ** 32n - 1n, is64: false },
  int64: { min: -(2n ** 63n), max: 2n ** 63n - 1n, is64: true },
  sint64: { min: -(2n ** 63n), max: 2n ** 63n - 1n, is64: true },
  sfixed64: { min: -(2n ** 63n), max: 2n ** 63n - 1n, is64: true },
  uint64: { min: 0n, max: 2n ** 64n - 1n, is64: true },
  fixed64: { min: 0n, max: 2n ** 64n - 1n, is64: true },
};

/** True for the 64-bit integer types, whose plain value is a decimal string. */
export function is64BitType(type: string): boolean {
  return INT_RANGES[type]?.is64 === true;
}

/**
 * An integer literal as the text format allows it: decimal, hex (0x), C octal
 * (leading 0), 0o/0b prefixes, optional sign. Undefined when not an integer.
 */
export function parseIntegerLiteral(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]+|[0-9]+)$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] === "-" ? -1n : 1n;
  let body = m[2]!;
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
  return sign * BigInt(body);
}

/** Decimal integers that need no BigInt: at most 9 digits, no leading zero (octal). */
const SMALL_DECIMAL = /^-?(0|[1-9]\d{0,8})$/;

function convertInteger(token: ScalarValue, type: string): Converted {
  const range = INT_RANGES[type]!;
  if (token.kind !== "number") return fail(`expected an integer (${type}), found ${describe(token)}`);
  if (SMALL_DECIMAL.test(token.text)) {
    const small = Number(token.text);
    if (small >= Number(range.min) && small <= Number(range.max)) return ok(range.is64 ? String(small) : small);
  }
  const value = parseIntegerLiteral(token.text);
  if (value === undefined) return fail(`expected an integer (${type}), found ${token.text}`);
  if (value < range.min || value > range.max) {
    const why = value < 0n && range.min === 0n ? "an unsigned field cannot be negative" : `allowed: ${range.min} to ${range.max}`;
    return fail(`integer ${token.text} out of range for ${type} (${why})`);
  }
  return ok(range.is64 ? value.toString() : Number(value));
}

const INFINITY_SPELLING = /^([+-]?)inf(inity)?f?$/i;
const NAN_SPELLING = /^[+-]?nanf?$/i;
const PLAIN_DECIMAL = /^-?\d*\.?\d+(e[+-]?\d+)?$/i;
const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)[fF]?$/;

/** A float/double literal (decimal, integer, hex integer, inf/infinity/nan in any case, optional f suffix); undefined if not one. */
export function parseFloatLiteral(text: string): number | undefined {
  if (PLAIN_DECIMAL.test(text)) return Number(text);
  const inf = INFINITY_SPELLING.exec(text);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  if (NAN_SPELLING.test(text)) return NaN;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) return Number(parseIntegerLiteral(text));
  if (!DECIMAL_FLOAT.test(text)) return undefined;
  return Number(text.replace(/[fF]$/, ""));
}

function convertFloat(token: ScalarValue, type: "float" | "double"): Converted {
  if (token.kind === "string") return fail(`expected a number (${type}), found ${describe(token)}`);
  const value = parseFloatLiteral(token.text);
  if (value === undefined) return fail(`expected a number (${type}), found ${token.text}`);
  return ok(type === "float" ? Math.fround(value) : value);
}

const TRUE_SPELLINGS = new Set(["true", "True", "t", "1"]);
const FALSE_SPELLINGS = new Set(["false", "False", "f", "0"]);

function convertBool(token: ScalarValue): Converted {
  if (token.kind !== "string") {
    if (TRUE_SPELLINGS.has(token.text)) return ok(true);
    if (FALSE_SPELLINGS.has(token.text)) return ok(false);
  }
  return fail(`expected true or false, found ${describe(token)}`);
}

/** Strict UTF-8 decoding; undefined when the bytes are not valid UTF-8. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function convertString(token: ScalarValue, type: "string" | "bytes"): Converted {
  if (token.kind !== "string") return fail(`expected a quoted string, found ${describe(token)}`);
  if (type === "bytes") return ok(token.bytes);
  const text = decodeUtf8(token.bytes);
  return text === undefined ? fail("string field holds invalid UTF-8 bytes") : ok(text);
}

/** Names of an enum, in number order. */
function enumNames(enumType: protobuf.Enum): string[] {
  return Object.entries(enumType.values)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}

function convertEnum(token: ScalarValue, enumType: protobuf.Enum): Converted {
  const valid = () => enumNames(enumType).join(", ");
  if (token.kind === "string") return fail(`enum ${enumType.name} takes a bare name, not a quoted string (valid: ${valid()})`);
  if (token.kind === "number") {
    const n = parseIntegerLiteral(token.text);
    const name = n === undefined ? undefined : enumType.valuesById[Number(n)];
    if (name === undefined) return fail(`enum ${enumType.name} has no value numbered ${token.text} (valid: ${valid()})`);
    return ok(name);
  }
  if (!(token.text in enumType.values)) {
    const suggestion = closestName(token.text, Object.keys(enumType.values));
    const hint = suggestion ? `; did you mean ${suggestion}?` : "";
    return { ok: false, error: `enum ${enumType.name} has no value named ${token.text} (valid: ${valid()})${hint}`, ...(suggestion ? { suggestion } : {}) };
  }
  return ok(token.text);
}

function describe(token: ScalarValue | { kind: "message" }): string {
  if (token.kind === "message") return "a message { ... }";
  if (token.kind === "string") return "a quoted string";
  return token.text;
}

/** Converts one scalar token for a non-message field (its resolved type, if any, is an enum). */
export function convertScalar(token: ScalarValue, field: protobuf.Field): Converted {
  const resolved = field.resolvedType;
  if (resolved) return convertEnum(token, resolved as protobuf.Enum);
  const type = field.type;
  if (type in INT_RANGES) return convertInteger(token, type);
  switch (type) {
    case "float":
    case "double":
      return convertFloat(token, type);
    case "bool":
      return convertBool(token);
    case "string":
    case "bytes":
      return convertString(token, type);
    default:
      return fail(`unsupported field type ${type}`);
  }
}
