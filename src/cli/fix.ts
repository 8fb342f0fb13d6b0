/**
 * `--fix`: apply the automatic fixes of the findings to the linted prototxt
 * files, like ESLint. Only on request, only to net and solver files (never to
 * datasets), and only edits that do not overlap an earlier one in the file.
 */
import fs from "node:fs";
import type { LintReport, TextEdit } from "../findings.js";
import { applyEdits } from "../lint/apply-edits.js";

function overlaps(a: TextEdit, b: TextEdit): boolean {
  const before = (l1: number, c1: number, l2: number, c2: number) => l1 < l2 || (l1 === l2 && c1 <= c2);
  return !(before(a.endLine, a.endColumn, b.line, b.column) || before(b.endLine, b.endColumn, a.line, a.column));
}

/** The edits to apply per file: every finding's edits, skipping a finding whose edits overlap ones already taken. */
export function collectEdits(report: LintReport): Map<string, TextEdit[]> {
  const byFile = new Map<string, TextEdit[]>();
  for (const result of report.results) {
    for (const finding of result.findings) {
      const edits = finding.fix?.edits ?? [];
      if (edits.length === 0) continue;
      const taken = edits.flatMap((e) => byFile.get(e.file) ?? []);
      if (edits.some((e) => taken.some((t) => overlaps(e, t)))) continue;
      for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
    }
  }
  return byFile;
}

/** Writes the fixed files; returns how many edits were applied per file. */
export function applyFixes(report: LintReport): Map<string, number> {
  const applied = new Map<string, number>();
  for (const [file, edits] of collectEdits(report)) {
    const text = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, applyEdits(text, edits));
    applied.set(file, edits.length);
  }
  return applied;
}
