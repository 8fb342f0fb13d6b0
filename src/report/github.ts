/**
 * GitHub Actions reporter: one workflow command per finding
 * (`::error file=F,line=L,col=C,endLine=..,endColumn=..,title=RULE::message`),
 * which GitHub shows as annotations on the pull request. info findings become
 * `::notice`. Paths are relative to ctx.cwd (the checkout root in a workflow).
 */

import type { Finding, LintReport, Severity } from "../findings.js";
import { displayPath } from "./paths.js";
import type { ReportContext } from "./types.js";

const COMMAND: Record<Severity, string> = { error: "error", warning: "warning", info: "notice" };

/** Escapes the message part of a workflow command: %, CR and LF. */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a property value of a workflow command: as data, plus ':' and ','. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function annotation(f: Finding, cwd: string): string {
  const props: [string, string][] = [["file", displayPath(f.file, cwd)]];
  if (f.line >= 1) {
    props.push(["line", String(f.line)]);
    // GitHub ignores columns of an annotation that spans several lines, and
    // may reject the annotation: give columns only for single-line spans.
    const multiLine = f.endLine !== undefined && f.endLine !== f.line;
    if (!multiLine && f.column >= 1) props.push(["col", String(f.column)]);
    if (f.endLine !== undefined && f.endLine >= 1) props.push(["endLine", String(f.endLine)]);
    if (!multiLine && f.endColumn !== undefined && f.endColumn >= 1) props.push(["endColumn", String(f.endColumn)]);
  }
  props.push(["title", f.ruleId]);
  const lines = [f.message];
  if (f.confirmedByProbe !== undefined) lines.push(`Confirmed by the training probe (${f.confirmedByProbe.verdict}): ${f.confirmedByProbe.detail}`);
  if (f.confirmedByLog !== undefined) lines.push(`Confirmed by the training log (${f.confirmedByLog.verdict}): ${f.confirmedByLog.detail}`);
  if (f.fix !== undefined && f.fix.description !== "") lines.push(`Fix: ${f.fix.description}`);
  const propText = props.map(([k, v]) => `${k}=${escapeProperty(v)}`).join(",");
  return `::${COMMAND[f.severity]} ${propText}::${escapeData(lines.join("\n"))}`;
}

/** The github reporter: one line per finding, nothing for a clean run. */
export function github(report: LintReport, ctx: ReportContext): string {
  const lines = report.results.flatMap((r) => r.findings.map((f) => annotation(f, ctx.cwd)));
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
