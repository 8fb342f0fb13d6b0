/**
 * Puts a report into the one canonical order every reporter relies on and
 * counts it: files by path, findings by (file, line, column, severity), counts
 * recomputed from what is left after configuration and inline disables.
 * The engine calls `finalizeReport` once; reporters never sort or count.
 */

import type { FileResult, Finding, LintReport, RuleMeta, Severity } from "../findings.js";

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order on findings: file, line, column, severity (error first), then rule id and message for stability. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message)
  );
}

/** A sorted copy of `findings` (the input is left as it was). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Whether the finding carries edits that can be applied automatically. */
export function isFixable(finding: Finding): boolean {
  return (finding.fix?.edits?.length ?? 0) > 0;
}

/** Whether a dynamic check (probe or log) confirmed the finding. */
export function isConfirmed(finding: Finding): boolean {
  return finding.confirmedByProbe !== undefined || finding.confirmedByLog !== undefined;
}

/** A FileResult for `file` holding `findings`, sorted and counted. */
export function fileResult(file: string, findings: readonly Finding[]): FileResult {
  const sorted = sortFindings(findings);
  return {
    file,
    findings: sorted,
    errorCount: sorted.filter((f) => f.severity === "error").length,
    warningCount: sorted.filter((f) => f.severity === "warning").length,
    infoCount: sorted.filter((f) => f.severity === "info").length,
  };
}

/**
 * The canonical form of a report: results merged per file and sorted by path
 * (files with no findings are kept, so reporters can list what was checked),
 * findings sorted, counts recomputed, rules deduplicated by id and sorted.
 */
export function finalizeReport(report: LintReport): LintReport {
  const byFile = new Map<string, Finding[]>();
  for (const result of report.results) {
    const list = byFile.get(result.file) ?? [];
    list.push(...result.findings);
    byFile.set(result.file, list);
  }
  const results = [...byFile.keys()].sort(compareText).map((file) => fileResult(file, byFile.get(file) ?? []));
  const rulesById = new Map<string, RuleMeta>();
  for (const rule of report.rules) if (!rulesById.has(rule.id)) rulesById.set(rule.id, rule);
  const rules = [...rulesById.values()].sort((a, b) => compareText(a.id, b.id));
  return { ...report, results, rules };
}

/** Totals over a whole report, for summary lines and exit codes. */
export interface ReportTotals {
  errorCount: number;
  warningCount: number;
  infoCount: number;
  fixableErrorCount: number;
  fixableWarningCount: number;
  fixableInfoCount: number;
  confirmedCount: number;
  fileCount: number;
}

/** Adds up the per-file counts and the fixable and confirmed findings of a finalized report. */
export function reportTotals(report: LintReport): ReportTotals {
  const totals: ReportTotals = {
    errorCount: 0,
    warningCount: 0,
    infoCount: 0,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
    fixableInfoCount: 0,
    confirmedCount: 0,
    fileCount: report.results.length,
  };
  for (const result of report.results) {
    totals.errorCount += result.errorCount;
    totals.warningCount += result.warningCount;
    totals.infoCount += result.infoCount;
    for (const f of result.findings) {
      if (isConfirmed(f)) totals.confirmedCount++;
      if (!isFixable(f)) continue;
      if (f.severity === "error") totals.fixableErrorCount++;
      else if (f.severity === "warning") totals.fixableWarningCount++;
      else totals.fixableInfoCount++;
    }
  }
  return totals;
}
