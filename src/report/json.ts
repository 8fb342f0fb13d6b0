/**
 * The machine-readable reporter: the whole report as JSON with a fixed key
 * order and two-space indentation, described by schema/report.schema.json.
 * Known structures are written field by field in a fixed order; the free-form
 * sections (datasets, probe, log) are written with their object keys sorted,
 * so the same report always gives the same bytes.
 */

import type { Confirmation, Finding, Fix, LintReport, RuleMeta, TextEdit } from "../findings.js";
import { toJsonNumber } from "../log/json.js";
import { reportTotals } from "./finalize.js";
import type { ReportContext } from "./types.js";

/** Version of the JSON output layout; raised when a field changes meaning or disappears. */
export const JSON_REPORT_FORMAT_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Plain JSON data with object keys sorted at every level; non-finite numbers
 * become the strings "nan", "inf", "-inf" (as in the log section), undefined
 * members are dropped.
 */
export function canonicalJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return toJsonNumber(value);
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (typeof value === "object") {
    const out: { [key: string]: Json } = {};
    const bag = value as Record<string, unknown>;
    for (const key of Object.keys(bag).sort()) {
      if (bag[key] !== undefined) out[key] = canonicalJson(bag[key]);
    }
    return out;
  }
  return null;
}

function editJson(e: TextEdit): Json {
  return { file: e.file, line: e.line, column: e.column, endLine: e.endLine, endColumn: e.endColumn, text: e.text };
}

function fixJson(fix: Fix | undefined): Json {
  if (fix === undefined) return null;
  const out: { [key: string]: Json } = { description: fix.description };
  if (fix.edits !== undefined) out.edits = fix.edits.map(editJson);
  return out;
}

function confirmationJson(c: Confirmation): Json {
  return { source: c.source, verdict: c.verdict, detail: c.detail };
}

/** One finding with every documented key, in the documented order. */
export function findingJson(f: Finding): Json {
  const out: { [key: string]: Json } = {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    file: f.file,
    line: f.line,
    column: f.column,
  };
  if (f.endLine !== undefined) out.endLine = f.endLine;
  if (f.endColumn !== undefined) out.endColumn = f.endColumn;
  out.layer = f.layer ?? null;
  out.phases = [...f.phases];
  out.fix = fixJson(f.fix);
  if (f.confirmedByProbe !== undefined) out.confirmedByProbe = confirmationJson(f.confirmedByProbe);
  if (f.confirmedByLog !== undefined) out.confirmedByLog = confirmationJson(f.confirmedByLog);
  if (f.refutedByProbe !== undefined) out.refutedByProbe = { verdict: f.refutedByProbe.verdict, detail: f.refutedByProbe.detail };
  return out;
}

function ruleJson(r: RuleMeta): Json {
  return { id: r.id, category: r.category, description: r.description, defaultSeverity: r.defaultSeverity, fixable: r.fixable };
}

/** The report as a JSON value (what the `json` reporter prints). */
export function reportJson(report: LintReport): Json {
  const t = reportTotals(report);
  const out: { [key: string]: Json } = {
    formatVersion: JSON_REPORT_FORMAT_VERSION,
    tool: { name: report.tool.name, version: report.tool.version },
    summary: {
      fileCount: t.fileCount,
      errorCount: t.errorCount,
      warningCount: t.warningCount,
      infoCount: t.infoCount,
      fixableErrorCount: t.fixableErrorCount,
      fixableWarningCount: t.fixableWarningCount,
      fixableInfoCount: t.fixableInfoCount,
      confirmedCount: t.confirmedCount,
    },
    results: report.results.map((r) => ({
      file: r.file,
      errorCount: r.errorCount,
      warningCount: r.warningCount,
      infoCount: r.infoCount,
      findings: r.findings.map(findingJson),
    })),
    rules: report.rules.map(ruleJson),
  };
  if (report.datasets !== undefined) out.datasets = canonicalJson(report.datasets);
  if (report.probe !== undefined) out.probe = canonicalJson(report.probe);
  if (report.log !== undefined) out.log = canonicalJson(report.log);
  return out;
}

/** The json reporter. `ctx` is unused: paths are written as the findings hold them. */
export function json(report: LintReport, _ctx: ReportContext): string {
  return `${JSON.stringify(reportJson(report), null, 2)}\n`;
}
