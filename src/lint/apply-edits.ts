/** Applies text edits (1-based line/column ranges) to a text; used by tests and `--fix-dry-run`. */
import type { TextEdit } from "../findings.js";

function offsetOf(lineStarts: number[], line: number, column: number): number {
  return (lineStarts[line - 1] ?? 0) + column - 1;
}

/** Applies non-overlapping edits; throws when two edits overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const ranges = edits
    .map((e) => ({ start: offsetOf(lineStarts, e.line, e.column), end: offsetOf(lineStarts, e.endLine, e.endColumn), text: e.text }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  let limit = Infinity;
  for (const r of ranges) {
    if (r.end > limit) throw new Error("overlapping edits");
    out = out.slice(0, r.start) + r.text + out.slice(r.end);
    limit = r.start;
  }
  return out;
}
