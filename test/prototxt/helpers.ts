/** Test helpers for the text-format parser: independent position checks and tree summaries. */
import type { Document, Field, Pos, Value } from "../../src/prototxt/ast.js";
import { stringValue } from "../../src/prototxt/parse.js";

/** Line and code-point column of a UTF-16 offset, computed naively from the start of the source. */
export function naivePos(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let k = 0; k < offset; ) {
    const cp = source.codePointAt(k)!;
    const width = cp > 0xffff ? 2 : 1;
    if (k + width > offset) break;
    if (cp === 10) {
      line++;
      column = 1;
    } else {
      column++;
    }
    k += width;
  }
  return { line, column };
}

/** Every Pos in the document: checks line/column against the offset, returns the problems found. */
export function positionProblems(source: string, doc: Document): string[] {
  const problems: string[] = [];
  const check = (p: Pos, what: string): void => {
    const want = naivePos(source, p.offset);
    if (p.line !== want.line || p.column !== want.column || p.offset < 0 || p.offset > source.length) {
      problems.push(`${what}: ${p.line}:${p.column}@${p.offset}, expected ${want.line}:${want.column}`);
    }
  };
  const visit = (fields: Field[]): void => {
    for (const f of fields) {
      check(f.nameSpan.start, `${f.name} name start`);
      check(f.nameSpan.end, `${f.name} name end`);
      check(f.value.span.start, `${f.name} value start`);
      check(f.value.span.end, `${f.name} value end`);
      check(f.span.start, `${f.name} span start`);
      if (!f.name.startsWith("[") && source.slice(f.nameSpan.start.offset, f.nameSpan.end.offset) !== f.name) {
        problems.push(`name ${f.name} does not match its span`);
      }
      if (f.value.kind === "message") visit(f.value.fields);
    }
  };
  visit(doc.fields);
  for (const c of doc.comments) {
    check(c.span.start, "comment start");
    check(c.span.end, "comment end");
    if (source.slice(c.span.start.offset + 1, c.span.end.offset) !== c.text) problems.push(`comment text ${c.text}`);
  }
  return problems;
}

/** A compact plain summary of a value, for exact comparisons in tables. */
export function summarize(v: Value): unknown {
  switch (v.kind) {
    case "string":
      return { s: stringValue(v) };
    case "number":
      return { n: v.text, int: v.isInteger };
    case "identifier":
      return { id: v.text };
    case "message":
      return v.fields.map((f) => [f.name, summarize(f.value)]);
  }
}

/** Summary of a whole document: [name, value summary] pairs. */
export function summarizeDoc(doc: Document): unknown {
  return doc.fields.map((f) => [f.name, summarize(f.value)]);
}
