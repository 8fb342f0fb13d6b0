/**
 * Building text edits from source positions, for rules whose fix is a change to
 * one field. Edits are computed against the original text; they never overlap
 * within one fix.
 */
import type { TextEdit } from "../src/findings.js";
import type { Span } from "../src/prototxt/ast.js";
import type { PlainMessage } from "../src/schema/types.js";
import { positionsOf } from "../src/schema/types.js";

function edit(file: string, span: Span, text: string): TextEdit {
  return { file, line: span.start.line, column: span.start.column, endLine: span.end.line, endColumn: span.end.column, text };
}

/** Replace the value of `field` (occurrence `index`, default the last) with `text`. */
export function replaceValue(file: string, node: PlainMessage, field: string, text: string, index?: number): TextEdit[] {
  const occurrences = positionsOf(node)?.fields.get(field);
  const at = occurrences?.[index ?? occurrences.length - 1];
  return at ? [edit(file, at.value, text)] : [];
}

/** Remove every occurrence of `field` (name through value). */
export function removeField(file: string, node: PlainMessage, field: string): TextEdit[] {
  const occurrences = positionsOf(node)?.fields.get(field) ?? [];
  return occurrences.map((at) => edit(file, { start: at.name.start, end: at.value.end }, ""));
}

/**
 * Insert `text` (a field, e.g. "scale: 0.00390625" or "shuffle: true") as the
 * last entry of a nested message, just before its closing brace. `node` must be
 * a message written with braces (not the top level).
 */
export function insertField(file: string, node: PlainMessage, text: string, sourceLines?: string[]): TextEdit[] {
  const span = positionsOf(node)?.span;
  if (!span) return [];
  const closing = { line: span.end.line, column: span.end.column - 1, offset: span.end.offset - 1 };
  const closingLine = sourceLines?.[closing.line - 1];
  const onOwnLine = closingLine !== undefined && closingLine.slice(0, closing.column - 1).trim() === "";
  if (onOwnLine && span.start.line !== span.end.line) {
    const indent = " ".repeat(closing.column - 1 + 2);
    return [edit(file, { start: { ...closing, column: 1 }, end: { ...closing, column: 1 } }, `${indent}${text}\n`)];
  }
  return [edit(file, { start: closing, end: closing }, ` ${text} `)];
}
