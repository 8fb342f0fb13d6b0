/**
 * Protobuf text-format parser that keeps a source position for every field
 * name and every value (see ./ast.ts for the tree it builds).
 *
 * It accepts the syntax that Google's own parsers (C++ `TextFormat::Parser`
 * with default options and Python `text_format`) both accept, without a
 * schema: every decision that needs the field's type (is a list allowed, is
 * this identifier a valid enum, does this integer fit) is left to the schema
 * stage, which has the positions it needs in the tree. Where the two
 * reference parsers disagree, the stricter rule is kept, with one documented
 * exception: a minus sign may be separated from its number by whitespace or
 * comments (`- 5`), as the C++ parser allows.
 *
 * Token rules, following the C++ tokenizer:
 * - whitespace is space, \t, \n, \r, \v, \f; `#` starts a comment up to the
 *   end of the line. Only \n ends a line (\r\n works; a lone \r is blank).
 * - identifiers are [A-Za-z_][A-Za-z0-9_]*.
 * - numbers: decimal `12`, hex `0x1F`, octal `017`, floats `1.5`, `.5`, `5.`,
 *   `1e-5`, `1E+3`, with an optional `f`/`F` suffix on decimal numbers
 *   (`1.0f`, `1f`). A number may not be directly followed by a letter, digit,
 *   `_` or `.` (`08`, `1.2.3`, `0x1g`, `5abc` are errors).
 * - strings in '...' or "..." on one line, with the escapes \a \b \f \n \r
 *   \t \v \\ \' \" \? , octal \N to \NNN (value taken modulo 256), hex \xH or
 *   \xHH, \uXXXX (surrogate pairs combined) and \UXXXXXXXX (at most 10FFFF),
 *   all producing UTF-8. Adjacent literals are concatenated, also across
 *   lines and comments.
 * - any other character outside strings and comments is a one-character
 *   symbol; control characters and non-ASCII characters there are errors.
 *
 * Grammar (schema-free):
 *   document := field*
 *   field    := name ( ':' ( scalar | message | list ) | message | msglist ) [ ',' | ';' ]
 *   name     := IDENT | '[' IDENT ( '.' IDENT )* ']'
 *   message  := '{' field* '}' | '<' field* '>'
 *   list     := '[' ( ( scalar | message ) ( ',' ( scalar | message ) )* )? ']'
 *   msglist  := '[' ( message ( ',' message )* )? ']'
 *   scalar   := STRING+ | '-'? NUMBER | IDENT | '-' ( inf | infinity | nan )   (case-insensitive)
 *
 * Values: `inf`, `-inf`, `infinity`, `nan`, `-nan` are IdentifierValues
 * (the C++ tokenizer reads them as identifiers); `- 5` becomes the
 * NumberValue text "-5" (whitespace between sign and digits dropped) whose
 * span starts at the '-'.
 *
 * The parser is a single loop over the string with an explicit stack of open
 * messages, so nesting depth never touches the JavaScript call stack; it is
 * bounded by `maxDepth` (default 100, the C++ parser's default recursion
 * limit: 100 nested messages parse, the 101st is an error).
 */

import type {
  Comment,
  Document,
  EmptyList,
  Field,
  IdentifierValue,
  MessageValue,
  NumberValue,
  Pos,
  Span,
  StringValue,
  Value,
} from "./ast.js";
import { TextFormatError } from "./ast.js";

/** Options of {@link parseTextFormat}. */
export interface ParseOptions {
  /** Largest number of nested messages allowed (default 100, as Google's parser). */
  maxDepth?: number;
}

/** Default nesting limit, the same as Google's C++ text-format parser. */
export const DEFAULT_MAX_DEPTH = 100;

// Character codes used by the scanner.
const TAB = 9;
const LF = 10;
const VT = 11;
const FF = 12;
const CR = 13;
const SPACE = 32;
const DQUOTE = 34;
const HASH = 35;
const SQUOTE = 39;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const SEVEN = 55;
const NINE = 57;
const COLON = 58;
const SEMICOLON = 59;
const LT = 60;
const GT = 62;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const UNDERSCORE = 95;
const LBRACE = 123;
const RBRACE = 125;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHexDigit(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function hexValue(c: number): number {
  return c <= NINE ? c - ZERO : (c | 32) - 87;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === UNDERSCORE;
}

function isIdentPart(c: number): boolean {
  return isLetter(c) || isDigit(c);
}

/** Growable byte buffer for string values (reused across strings, copied out at the end of each). */
interface ByteSink {
  bytes: Uint8Array;
  length: number;
}

function pushByte(out: ByteSink, b: number): void {
  if (out.length === out.bytes.length) {
    const bigger = new Uint8Array(out.bytes.length * 2);
    bigger.set(out.bytes);
    out.bytes = bigger;
  }
  out.bytes[out.length++] = b;
}

/** Appends the UTF-8 encoding of a code point (0..10FFFF; lone surrogates as 3 bytes, like protobuf's C++ parser). */
function pushUtf8(out: ByteSink, cp: number): void {
  if (cp < 0x80) {
    pushByte(out, cp);
  } else if (cp < 0x800) {
    pushByte(out, 0xc0 | (cp >> 6));
    pushByte(out, 0x80 | (cp & 63));
  } else if (cp < 0x10000) {
    pushByte(out, 0xe0 | (cp >> 12));
    pushByte(out, 0x80 | ((cp >> 6) & 63));
    pushByte(out, 0x80 | (cp & 63));
  } else {
    pushByte(out, 0xf0 | (cp >> 18));
    pushByte(out, 0x80 | ((cp >> 12) & 63));
    pushByte(out, 0x80 | ((cp >> 6) & 63));
    pushByte(out, 0x80 | (cp & 63));
  }
}

/** Longest piece of source text quoted in an error message. */
const MAX_QUOTED_CHARS = 40;

/** Source text as quoted in an error message, shortened when long. */
function clip(text: string): string {
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS)}...`;
}

/** How a character looks in an error message. */
function describeChar(source: string, at: number): string {
  if (at >= source.length) return "end of input";
  const cp = source.codePointAt(at)!;
  if (cp < 32 || cp === 127) return `control character U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  if (cp > 127) return `'${String.fromCodePoint(cp)}' (U+${cp.toString(16).toUpperCase().padStart(4, "0")})`;
  return `'${String.fromCharCode(cp)}'`;
}

/** A list being read: `name: [ ... ]`. */
interface OpenList {
  name: string;
  nameSpan: Span;
  hasColon: boolean;
  open: Pos;
}

/** A message being read, waiting for its closing delimiter. */
interface OpenMessage {
  fields: Field[];
  /** Character code of the expected closing delimiter. */
  close: number;
  name: string;
  nameSpan: Span;
  hasColon: boolean;
  /** Position of '{' or '<'. */
  open: Pos;
  /** The list this message is an element of, if any. */
  list: OpenList | null;
}

/**
 * Parses protobuf text format into a syntax tree with positions.
 * Throws {@link TextFormatError} (with 1-based line and code-point column) at
 * the first syntax error; any input gives either a Document or that error.
 */
export function parseTextFormat(source: string, options: ParseOptions = {}): Document {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const n = source.length;
  const comments: Comment[] = [];
  const emptyLists: EmptyList[] = [];
  const topFields: Field[] = [];
  const stack: OpenMessage[] = [];
  const sink: ByteSink = { bytes: new Uint8Array(256), length: 0 };

  let i = 0; // scan offset (UTF-16 index)
  let line = 1;
  let lineStart = 0; // offset of the first character of the current line
  let pairs = 0; // surrogate pairs seen on the current line before `i`

  function posAt(offset: number): Pos {
    return { line, column: offset - lineStart - pairs + 1, offset };
  }

  function fail(message: string, at: number = i): never {
    const p = posAt(at);
    throw new TextFormatError(message, p.line, p.column);
  }

  function where(p: Pos): string {
    return `${p.line}:${p.column}`;
  }

  /** Skips whitespace and comments, recording the comments. */
  function skipTrivia(): void {
    for (;;) {
      const c = source.charCodeAt(i);
      if (c === SPACE || c === TAB || c === CR || c === VT || c === FF) {
        i++;
      } else if (c === LF) {
        i++;
        line++;
        lineStart = i;
        pairs = 0;
      } else if (c === HASH) {
        const start = posAt(i);
        let j = i + 1;
        for (; j < n; j++) {
          const d = source.charCodeAt(j);
          if (d === LF) break;
          if (d >= 0xd800 && d <= 0xdbff && j + 1 < n) {
            const e = source.charCodeAt(j + 1);
            if (e >= 0xdc00 && e <= 0xdfff) {
              pairs++;
              j++;
            }
          }
        }
        const textEnd = j > i + 1 && source.charCodeAt(j - 1) === CR ? j - 1 : j;
        comments.push({ text: source.slice(i + 1, textEnd), span: { start, end: posAt(textEnd) } });
        i = j;
      } else {
        return;
      }
    }
  }

  /** Reads an identifier at `i` (caller checked the first character). */
  function readIdentifier(): string {
    const start = i;
    i++;
    while (i < n && isIdentPart(source.charCodeAt(i))) i++;
    return source.slice(start, i);
  }

  /** Reads an extension field name `[a.b.c]` at `i`, returned without blanks. */
  function readExtensionName(): string {
    i++; // '['
    let name = "[";
    for (;;) {
      skipTrivia();
      if (!isLetter(source.charCodeAt(i))) fail(`expected an identifier in extension name, found ${describeChar(source, i)}`);
      name += readIdentifier();
      skipTrivia();
      const d = source.charCodeAt(i);
      if (d === DOT) {
        name += ".";
        i++;
      } else if (d === RBRACKET) {
        i++;
        return name + "]";
      } else {
        fail(`expected '.' or ']' in extension name ${clip(name)}, found ${describeChar(source, i)}`);
      }
    }
  }

  /** Reads a number token at `i`; returns whether it is an integer. */
  function readNumber(): boolean {
    const start = i;
    let c = source.charCodeAt(i);
    let isFloat = false;
    const next = source.charCodeAt(i + 1);
    if (c === ZERO && (next === 120 || next === 88)) {
      i += 2;
      if (!isHexDigit(source.charCodeAt(i))) fail("'0x' must be followed by hex digits", start);
      while (isHexDigit(source.charCodeAt(i))) i++;
    } else if (c === ZERO && isDigit(next)) {
      i++;
      while ((c = source.charCodeAt(i)) >= ZERO && c <= SEVEN) i++;
      if (isDigit(source.charCodeAt(i))) fail(`number '${clip(source.slice(start, i + 1))}' starts with 0 and so must be octal (digits 0-7)`, start);
    } else {
      if (c === DOT) {
        isFloat = true;
        i++;
        while (isDigit(source.charCodeAt(i))) i++;
      } else {
        while (isDigit(source.charCodeAt(i))) i++;
        if (source.charCodeAt(i) === DOT) {
          isFloat = true;
          i++;
          while (isDigit(source.charCodeAt(i))) i++;
        }
      }
      c = source.charCodeAt(i);
      if (c === 101 || c === 69) {
        isFloat = true;
        i++;
        c = source.charCodeAt(i);
        if (c === MINUS || c === 43) i++;
        if (!isDigit(source.charCodeAt(i))) fail(`exponent of '${clip(source.slice(start, i))}' has no digits`, start);
        while (isDigit(source.charCodeAt(i))) i++;
      }
      c = source.charCodeAt(i);
      if (c === 102 || c === 70) {
        isFloat = true;
        i++;
      }
    }
    c = source.charCodeAt(i);
    if (isIdentPart(c) || c === DOT) {
      fail(`unexpected ${describeChar(source, i)} right after number '${clip(source.slice(start, i))}'`, i);
    }
    return !isFloat;
  }

  /** Reads one quoted literal at `i` into `out`. */
  function readStringLiteral(out: ByteSink): void {
    const quoteAt = i;
    const quote = source.charCodeAt(i);
    i++;
    for (;;) {
      if (i >= n) fail("unterminated string", quoteAt);
      const c = source.charCodeAt(i);
      if (c === quote) {
        i++;
        return;
      }
      if (c === LF) fail("unterminated string (a string cannot span lines)", quoteAt);
      if (c === 0) fail("NUL character in string", i);
      if (c < 0x80) {
        if (c !== BACKSLASH) {
          pushByte(out, c);
          i++;
        } else {
          readEscape(out);
        }
      } else if (c >= 0xd800 && c <= 0xdbff) {
        const d = source.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          pushUtf8(out, ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
          pairs++;
          i += 2;
        } else {
          pushUtf8(out, 0xfffd); // lone surrogate in the source text
          i++;
        }
      } else {
        pushUtf8(out, c >= 0xdc00 && c <= 0xdfff ? 0xfffd : c);
        i++;
      }
    }
  }

  /** Reads `count` hex digits after position `from`; fails at the backslash otherwise. */
  function readHexDigits(from: number, count: number, escapeAt: number, what: string): number {
    let v = 0;
    for (let k = 0; k < count; k++) {
      const d = source.charCodeAt(from + k);
      if (!isHexDigit(d)) fail(`${what} needs ${count} hex digits`, escapeAt);
      v = v * 16 + hexValue(d);
    }
    return v;
  }

  /** Reads an escape sequence at `i` (a backslash) into `out`. */
  function readEscape(out: ByteSink): void {
    const at = i;
    const c = source.charCodeAt(i + 1);
    i += 2;
    switch (c) {
      case 110: pushByte(out, 10); return; // n
      case 116: pushByte(out, 9); return; // t
      case 114: pushByte(out, 13); return; // r
      case 97: pushByte(out, 7); return; // a
      case 98: pushByte(out, 8); return; // b
      case 102: pushByte(out, 12); return; // f
      case 118: pushByte(out, 11); return; // v
      case BACKSLASH: case SQUOTE: case DQUOTE: case 63: pushByte(out, c); return; // \\ \' \" \?
      case 120: { // x: one or two hex digits
        if (!isHexDigit(source.charCodeAt(i))) fail("\\x escape needs hex digits", at);
        let v = hexValue(source.charCodeAt(i++));
        if (isHexDigit(source.charCodeAt(i))) v = v * 16 + hexValue(source.charCodeAt(i++));
        pushByte(out, v);
        return;
      }
      case 117: { // u: four hex digits, surrogate pairs combined
        let cp = readHexDigits(i, 4, at, "\\u escape");
        i += 4;
        if (cp >= 0xd800 && cp <= 0xdbff && source.charCodeAt(i) === BACKSLASH && source.charCodeAt(i + 1) === 117) {
          let low = 0;
          let ok = true;
          for (let k = 0; k < 4; k++) {
            const d = source.charCodeAt(i + 2 + k);
            if (!isHexDigit(d)) { ok = false; break; }
            low = low * 16 + hexValue(d);
          }
          if (ok && low >= 0xdc00 && low <= 0xdfff) {
            cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
            i += 6;
          }
        }
        pushUtf8(out, cp);
        return;
      }
      case 85: { // U: eight hex digits, at most 10FFFF
        const cp = readHexDigits(i, 8, at, "\\U escape");
        if (cp > 0x10ffff) fail(`\\U escape ${source.slice(at, at + 10)} is beyond U+10FFFF`, at);
        i += 8;
        pushUtf8(out, cp);
        return;
      }
      default:
        if (c >= ZERO && c <= SEVEN) {
          let v = c - ZERO;
          for (let k = 0; k < 2; k++) {
            const d = source.charCodeAt(i);
            if (d < ZERO || d > SEVEN) break;
            v = v * 8 + (d - ZERO);
            i++;
          }
          pushByte(out, v & 0xff);
          return;
        }
        i = at;
        if (at + 1 >= n || c === LF) fail("unterminated string (backslash at end of line)", at);
        fail(`invalid escape '\\${String.fromCodePoint(source.codePointAt(at + 1)!)}' in string`, at);
    }
  }

  /** Reads a scalar value at `i` (trivia skipped). `name` is for messages. */
  function readScalar(name: string): StringValue | NumberValue | IdentifierValue {
    const start = posAt(i);
    const c = source.charCodeAt(i);
    if (c === DQUOTE || c === SQUOTE) {
      sink.length = 0;
      readStringLiteral(sink);
      let end = posAt(i);
      for (;;) {
        skipTrivia();
        const d = source.charCodeAt(i);
        if (d !== DQUOTE && d !== SQUOTE) break;
        readStringLiteral(sink);
        end = posAt(i);
      }
      return { kind: "string", bytes: sink.bytes.slice(0, sink.length), span: { start, end } };
    }
    let sign = "";
    if (c === MINUS) {
      i++;
      skipTrivia();
      sign = "-";
    }
    const d = source.charCodeAt(i);
    if (isDigit(d) || (d === DOT && isDigit(source.charCodeAt(i + 1)))) {
      const from = i;
      const isInteger = readNumber();
      return { kind: "number", text: sign + source.slice(from, i), isInteger, span: { start, end: posAt(i) } };
    }
    if (isLetter(d)) {
      const identStart = i;
      const text = readIdentifier();
      if (sign !== "") {
        const lower = text.toLowerCase();
        if (lower !== "inf" && lower !== "infinity" && lower !== "nan") {
          fail(`expected a number after '-', found '${clip(text)}'`, identStart);
        }
      }
      return { kind: "identifier", text: sign + text, span: { start, end: posAt(i) } };
    }
    if (sign !== "") fail(`expected a number after '-', found ${describeChar(source, i)}`);
    return fail(`expected a value for '${clip(name)}', found ${describeChar(source, i)}`);
  }

  /** Consumes one optional ',' or ';' after a field. */
  function skipSeparator(): void {
    skipTrivia();
    const c = source.charCodeAt(i);
    if (c === COMMA || c === SEMICOLON) i++;
  }

  /** Opens a message at `i` ('{' or '<'); the following fields go into it. */
  function openMessage(name: string, nameSpan: Span, hasColon: boolean, list: OpenList | null): void {
    if (stack.length >= maxDepth) {
      fail(`messages nested deeper than ${maxDepth} levels (at '${clip(name)}')`);
    }
    const open = posAt(i);
    const close = source.charCodeAt(i) === LBRACE ? RBRACE : GT;
    i++;
    stack.push({ fields: [], close, name, nameSpan, hasColon, open, list });
  }

  /**
   * Reads list elements from `i` (just after '[' or after an element) until
   * the list closes or a message element opens (then returns; the list goes
   * on when that message closes). `first` is true right after '['.
   */
  function continueList(list: OpenList, first: boolean, into: Field[]): void {
    for (;;) {
      skipTrivia();
      let c = source.charCodeAt(i);
      if (!first) {
        if (c === RBRACKET) {
          i++;
          skipSeparator();
          return;
        }
        if (c !== COMMA) {
          fail(`expected ',' or ']' in the list of '${clip(list.name)}' opened at ${where(list.open)}, found ${describeChar(source, i)}`);
        }
        i++;
        skipTrivia();
        c = source.charCodeAt(i);
      }
      first = false;
      if (c === LBRACE || c === LT) {
        openMessage(list.name, list.nameSpan, list.hasColon, list);
        return;
      }
      if (!list.hasColon) {
        fail(`expected '{' or '<' (a message) in the list of '${clip(list.name)}'; scalar lists need ':' after the name`);
      }
      const value = readScalar(list.name);
      into.push({ name: list.name, nameSpan: list.nameSpan, value, span: value.span, hasColon: true, inList: true });
    }
  }

  for (;;) {
    skipTrivia();
    const top = stack.length > 0 ? stack[stack.length - 1] : null;
    const fields = top !== null ? top.fields : topFields;
    const c = source.charCodeAt(i);

    if (top !== null && c === top.close) {
      i++;
      stack.pop();
      const value: MessageValue = { kind: "message", fields: top.fields, span: { start: top.open, end: posAt(i) } };
      const parent = stack.length > 0 ? stack[stack.length - 1].fields : topFields;
      const span: Span = top.list !== null ? value.span : { start: top.nameSpan.start, end: value.span.end };
      parent.push({ name: top.name, nameSpan: top.nameSpan, value, span, hasColon: top.hasColon, inList: top.list !== null });
      if (top.list !== null) continueList(top.list, false, parent);
      else skipSeparator();
      continue;
    }
    if (i >= n || c === RBRACE || c === GT) {
      if (top !== null) {
        const closer = String.fromCharCode(top.close);
        fail(`expected '${closer}' to close '${clip(top.name)}' opened at ${where(top.nameSpan.start)}, found ${describeChar(source, i)}`);
      }
      if (i >= n) break;
      fail(`unexpected '${String.fromCharCode(c)}': no message is open here`);
    }
    if (!isLetter(c) && c !== LBRACKET) {
      fail(`expected a field name, found ${describeChar(source, i)}`);
    }

    const nameStart = posAt(i);
    const name = c === LBRACKET ? readExtensionName() : readIdentifier();
    const nameSpan: Span = { start: nameStart, end: posAt(i) };
    skipTrivia();
    let hasColon = false;
    if (source.charCodeAt(i) === COLON) {
      hasColon = true;
      i++;
      skipTrivia();
    }
    const v = source.charCodeAt(i);
    if (v === LBRACE || v === LT) {
      openMessage(name, nameSpan, hasColon, null);
      continue;
    }
    if (v === LBRACKET) {
      const open = posAt(i);
      i++;
      skipTrivia();
      if (source.charCodeAt(i) === RBRACKET) {
        i++;
        emptyLists.push({ name, nameSpan, hasColon, span: { start: nameSpan.start, end: posAt(i) } });
        skipSeparator();
        continue;
      }
      continueList({ name, nameSpan, hasColon, open }, true, fields);
      continue;
    }
    if (!hasColon) {
      fail(`expected ':' or '{' after field name '${clip(name)}', found ${describeChar(source, i)}`);
    }
    const value: Value = readScalar(name);
    fields.push({ name, nameSpan, value, span: { start: nameSpan.start, end: value.span.end }, hasColon, inList: false });
    skipSeparator();
  }

  return { fields: topFields, comments, length: n, emptyLists };
}

const utf8Decoder = new TextDecoder("utf-8");

/** The text of a string value: its bytes decoded as UTF-8 (invalid sequences become U+FFFD). */
export function stringValue(v: StringValue): string {
  return utf8Decoder.decode(v.bytes);
}
