/**
 * Syntax tree of a protobuf text-format document, with a position for every
 * field name and every value. The tree knows nothing about any schema: a
 * number is kept as its source text so that the schema stage can interpret it
 * for the field's type (int64 precision, float rounding, enum numbers).
 */

/**
 * A point in the source. `line` and `column` are 1-based; `offset` is the 0-based UTF-16 index.
 * `column` counts characters (Unicode code points, as editors report them) from the start of
 * the line; a tab counts as one. Only "\n" starts a new line ("\r\n" works as one break).
 */
export interface Pos {
  line: number;
  column: number;
  offset: number;
}

/** A half-open range [start, end) of the source. */
export interface Span {
  start: Pos;
  end: Pos;
}

/** A string literal, after escapes and adjacent-literal concatenation, as raw bytes. */
export interface StringValue {
  kind: "string";
  bytes: Uint8Array;
  span: Span;
}

/**
 * A number token exactly as written, sign included: "-1e-5", "0x1F", "017",
 * ".5", "5.", "1.0f". Whether it is an integer literal is known from the text
 * (`isInteger`). A sign separated from its digits (`- 5`, which Google's C++
 * parser accepts) gives the text "-5" with the span starting at the '-'.
 * `inf`, `infinity` and `nan` (any case, optionally negative) are not numbers
 * here but IdentifierValues, as Google's tokenizer reads them.
 */
export interface NumberValue {
  kind: "number";
  text: string;
  isInteger: boolean;
  span: Span;
}

/**
 * A bare identifier: an enum name, a boolean spelling (true, t, False, ...), inf, infinity, nan
 * in any case. Only inf, infinity and nan may carry a leading '-' (e.g. "-inf", "-NaN").
 */
export interface IdentifierValue {
  kind: "identifier";
  text: string;
  span: Span;
}

export type ScalarValue = StringValue | NumberValue | IdentifierValue;

/** A nested message: `name { ... }`, `name: { ... }` or `name < ... >`. */
export interface MessageValue {
  kind: "message";
  fields: Field[];
  span: Span;
}

export type Value = ScalarValue | MessageValue;

/**
 * One `name: value` or `name { }` occurrence. A list `name: [a, b]` becomes one
 * Field per element, all sharing `nameSpan`, each with its own value span;
 * `inList` tells them apart from plain repetition.
 */
export interface Field {
  name: string;
  nameSpan: Span;
  value: Value;
  /** From the start of the name to the end of the value (for a list element: the element). */
  span: Span;
  /** True when a ':' separated the name from the value. */
  hasColon: boolean;
  inList: boolean;
}

/** A `#` comment; `text` excludes the '#' and the line break. */
export interface Comment {
  text: string;
  span: Span;
}

/**
 * An empty list `name: []` (or `name []`): it sets nothing, so it has no Field, but
 * Google's parser still rejects it for a field that is not repeated.
 */
export interface EmptyList {
  name: string;
  nameSpan: Span;
  hasColon: boolean;
  /** From the start of the name to the end of ']'. */
  span: Span;
}

export interface Document {
  fields: Field[];
  comments: Comment[];
  /** Length of the source in UTF-16 units. */
  length: number;
  /** Empty lists, in source order (the parser always fills it; optional for hand-built documents). */
  emptyLists?: EmptyList[];
}

/** A syntax error at a source position. Thrown by the parser; never carries a stack to users. */
export class TextFormatError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${message}`);
    this.name = "TextFormatError";
  }
}
