/**
 * SARIF 2.1.0 reporter, for GitHub code scanning and other SARIF viewers.
 * One run; the driver lists each rule once (the report's rules, plus a
 * generated entry for any rule id that findings use without metadata, such as
 * parse errors); each finding becomes a result pointing at its rule by index,
 * with a location relative to %SRCROOT% (the reporter's cwd) and, when the
 * finding carries edits, a SARIF fix.
 */

import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Finding, LintReport, RuleMeta, Severity, TextEdit } from "../findings.js";
import { pathInside } from "./paths.js";
import type { ReportContext } from "./types.js";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
export const SARIF_VERSION = "2.1.0";
/** The uriBaseId relative artifact locations are resolved against. */
export const SRCROOT = "%SRCROOT%";

type SarifLevel = "error" | "warning" | "note";

const LEVEL: Record<Severity, SarifLevel> = { error: "error", warning: "warning", info: "note" };

/** SARIF severity level of a bnlint severity. */
export function sarifLevel(severity: Severity): SarifLevel {
  return LEVEL[severity];
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

/** Where a file is, as SARIF wants it: a relative URI under %SRCROOT% when inside cwd, else an absolute file URI. */
export function artifactLocation(file: string, cwd: string): ArtifactLocation {
  const rel = pathInside(file, cwd);
  if (rel === undefined) return { uri: pathToFileURL(path.resolve(cwd, file)).href };
  return { uri: rel.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: SRCROOT };
}

interface Region {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

/**
 * The region of a finding. GitHub code scanning needs a startLine on every
 * result, so a file-level finding (line 0) points at line 1, without columns.
 */
function findingRegion(f: Finding): Region {
  if (!(f.line >= 1)) return { startLine: 1 };
  const region: Region = { startLine: f.line };
  if (f.column >= 1) region.startColumn = f.column;
  if (f.endLine !== undefined && f.endLine >= f.line) region.endLine = f.endLine;
  if (f.endColumn !== undefined && f.endColumn >= 1) region.endColumn = f.endColumn;
  return region;
}

function editRegion(e: TextEdit): Region {
  return { startLine: e.line, startColumn: e.column, endLine: e.endLine, endColumn: e.endColumn };
}

function ruleDescriptor(rule: RuleMeta): Record<string, unknown> {
  return {
    id: rule.id,
    shortDescription: { text: rule.description },
    defaultConfiguration: { level: sarifLevel(rule.defaultSeverity) },
    properties: { category: rule.category, fixable: rule.fixable, tags: [rule.category] },
  };
}

/** Metadata for a rule id that has none in the report, taken from the first finding that uses it. */
function generatedRule(id: string, example: Finding): RuleMeta {
  return {
    id,
    category: "problem",
    description: id,
    defaultSeverity: example.severity,
    fixable: false,
  };
}

function resultMessage(f: Finding): string {
  const lines = [f.message];
  if (f.confirmedByProbe !== undefined) lines.push(`Confirmed by the training probe (${f.confirmedByProbe.verdict}): ${f.confirmedByProbe.detail}`);
  if (f.refutedByProbe !== undefined) lines.push(`Not reproduced by the training probe: ${f.refutedByProbe.detail}`);
  if (f.confirmedByLog !== undefined) lines.push(`Confirmed by the training log (${f.confirmedByLog.verdict}): ${f.confirmedByLog.detail}`);
  return lines.join("\n");
}

function sarifFix(f: Finding, cwd: string): Record<string, unknown> | undefined {
  const edits = f.fix?.edits ?? [];
  if (f.fix === undefined || edits.length === 0) return undefined;
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return {
    description: { text: f.fix.description },
    artifactChanges: [...byFile].map(([file, fileEdits]) => ({
      artifactLocation: artifactLocation(file, cwd),
      replacements: fileEdits.map((e) =>
        e.text === "" ? { deletedRegion: editRegion(e) } : { deletedRegion: editRegion(e), insertedContent: { text: e.text } },
      ),
    })),
  };
}

function sarifResult(f: Finding, ruleIndex: number, cwd: string): Record<string, unknown> {
  const physicalLocation = { artifactLocation: artifactLocation(f.file, cwd), region: findingRegion(f) };
  const result: Record<string, unknown> = {
    ruleId: f.ruleId,
    ruleIndex,
    level: sarifLevel(f.severity),
    message: { text: resultMessage(f) },
    locations: [{ physicalLocation }],
  };
  const fix = sarifFix(f, cwd);
  if (fix !== undefined) result.fixes = [fix];
  const properties: Record<string, unknown> = { phases: [...f.phases] };
  if (f.layer !== undefined) properties.layer = f.layer;
  if (f.confirmedByProbe !== undefined) properties.confirmedByProbe = { ...f.confirmedByProbe };
  if (f.refutedByProbe !== undefined) properties.refutedByProbe = { ...f.refutedByProbe };
  if (f.confirmedByLog !== undefined) properties.confirmedByLog = { ...f.confirmedByLog };
  result.properties = properties;
  return result;
}

/** The report as a SARIF log object. */
export function sarifLog(report: LintReport, ctx: ReportContext): Record<string, unknown> {
  const rules: RuleMeta[] = [];
  const indexById = new Map<string, number>();
  for (const r of report.rules) {
    if (indexById.has(r.id)) continue;
    indexById.set(r.id, rules.length);
    rules.push(r);
  }
  const findings = report.results.flatMap((r) => r.findings);
  for (const f of findings) {
    if (indexById.has(f.ruleId)) continue;
    indexById.set(f.ruleId, rules.length);
    rules.push(generatedRule(f.ruleId, f));
  }
  const srcroot = pathToFileURL(ctx.cwd).href;
  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            rules: rules.map(ruleDescriptor),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: srcroot.endsWith("/") ? srcroot : `${srcroot}/` } },
        columnKind: "utf16CodeUnits",
        results: findings.map((f) => sarifResult(f, indexById.get(f.ruleId) ?? 0, ctx.cwd)),
      },
    ],
  };
}

/** The sarif reporter. */
export function sarif(report: LintReport, ctx: ReportContext): string {
  return `${JSON.stringify(sarifLog(report, ctx), null, 2)}\n`;
}
