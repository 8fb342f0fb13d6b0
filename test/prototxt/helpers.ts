/** Test helpers for the text-format parser: independent position checks and tree summaries. */
import type { Document, Field, Pos, Value } from "../../src/prototxt/ast.js";
import { stringValue } from "../../src/prototxt/parse.js";

/**
 * Line and code-point column of every UTF-16 offset of the source (offsets inside
 * a surrogate pair get the column of the pair), computed naively in one pass.
 */
export function naivePositions(source: string): { lines: Int32Array; columns: Int32Array } {
  const lines = new Int32Array(source.length + 1);
  const columns = new Int32Array(source.length + 1);
  let line = 1;
  let column = 1;
  for (let k = 0; k <= source.length; ) {
    lines[k] = line;
    columns[k] = column;
    if (k === source.length) break;
    const cp = source.codePointAt(k)!;
    if (cp > 0xffff) {
      lines[k + 1] = line;
      columns[k + 1] = column;
      k += 2;
    } else {
      k += 1;
    }
    if (cp === 10) {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { lines, columns };
}

/** Every Pos in the document: checks line/column against the offset, returns the problems found. */
export function positionProblems(source: string, doc: Document): string[] {
  const problems: string[] = [];
  const { lines, columns } = naivePositions(source);
  const check = (p: Pos, what: string): void => {
    if (p.offset < 0 || p.offset > source.length || p.line !== lines[p.offset] || p.column !== columns[p.offset]) {
      problems.push(`${what}: ${p.line}:${p.column}@${p.offset}, expected ${lines[p.offset]}:${columns[p.offset]}`);
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
