/**
 * The default human-readable reporter, in the manner of ESLint's "stylish":
 * findings grouped by file, `line:col  severity  message  rule-id` in aligned
 * columns, then the dataset, probe and log sections when present, then a
 * summary line. A clean run with no sections prints nothing.
 */

import type { Confirmation, Finding, LintReport, Severity } from "../findings.js";
import { palette, visibleWidth, type Palette, type Style } from "./ansi.js";
import { isConfirmed, reportTotals, type ReportTotals } from "./finalize.js";
import { displayPath } from "./paths.js";
import { sparkline } from "../log/sparkline.js";
import type { ReportContext } from "./types.js";
import { readDatasets, readLog, readProbe, readSkippedProbe, type DatasetView, type LogView, type LossSeries, type ProbeView } from "./views.js";

/** Marker after the rule id of a finding that the probe or a log confirmed. */
export const CONFIRMED_MARKER = "◆ confirmed";

const COLUMN_GAP = "  ";
const INDENT = "  ";

function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - visibleWidth(text)));
}

/** The largest of `values` (0 for none), without spreading a long array into arguments. */
function maxOf(values: readonly number[]): number {
  return values.reduce((m, v) => (v > m ? v : m), 0);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function severityStyle(p: Palette, severity: Severity): Style {
  return severity === "error" ? p.red : severity === "warning" ? p.yellow : p.blue;
}

/** One line of text from a message that might hold line breaks. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/** Characters a loss curve is squeezed into. */
export const SPARKLINE_WIDTH = 40;

/** A loss for display: 4 significant digits, exponent form when very large or small. */
export function formatLoss(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

function lossSummary(p: Palette, losses: LossSeries, unit: string): string {
  const recorded = losses.filter((v): v is number => v !== null);
  if (recorded.length === 0) return "";
  const first = formatLoss(recorded[0]);
  const last = formatLoss(recorded[recorded.length - 1]);
  return `${sparkline(losses, SPARKLINE_WIDTH)}  ${first} → ${last} ${p.dim(`(${plural(losses.length, unit)})`)}`;
}

function confirmationLine(c: Confirmation): string {
  return `↳ ${c.source}: ${c.verdict}${c.detail ? ` — ${oneLine(c.detail)}` : ""}`;
}

/**
 * Lays rows of cells out in columns separated by two spaces: columns empty in
 * every row are dropped, every cell but the last of a row is padded to its
 * column's width (measured without colour escapes).
 */
export function alignRows(rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return [];
  const columnCount = maxOf(rows.map((r) => r.length));
  const kept: number[] = [];
  for (let col = 0; col < columnCount; col++) if (rows.some((r) => (r[col] ?? "") !== "")) kept.push(col);
  const widths = kept.map((col) => maxOf(rows.map((r) => visibleWidth(r[col] ?? ""))));
  return rows.map((r) => kept.map((col, i) => (i === kept.length - 1 ? (r[col] ?? "") : padEnd(r[col] ?? "", widths[i]))).join(COLUMN_GAP).trimEnd());
}

function renderFile(p: Palette, findings: readonly Finding[], shownPath: string): string[] {
  const positionWidth = maxOf(findings.map((f) => `${f.line}:${f.column}`.length));
  const severityWidth = maxOf(findings.map((f) => f.severity.length));
  const subIndent = " ".repeat(INDENT.length + positionWidth + COLUMN_GAP.length + severityWidth + COLUMN_GAP.length);
  const table = alignRows(
    findings.map((f) => [
      p.dim(`${f.line}:${f.column}`),
      severityStyle(p, f.severity)(f.severity),
      oneLine(f.message),
      p.dim(f.ruleId),
      isConfirmed(f) ? p.magenta(CONFIRMED_MARKER) : "",
    ]),
  );
  const lines = [p.underline(shownPath)];
  findings.forEach((f, i) => {
    lines.push(INDENT + table[i]);
    for (const c of [f.confirmedByProbe, f.confirmedByLog]) {
      if (c !== undefined) lines.push(subIndent + p.magenta(confirmationLine(c)));
    }
    if (f.refutedByProbe !== undefined) lines.push(subIndent + p.dim(`↳ probe: not reproduced — ${oneLine(f.refutedByProbe.detail)}`));
    if (f.fix !== undefined && f.fix.description !== "") lines.push(subIndent + p.dim(`help: ${oneLine(f.fix.description)}`));
  });
  return lines;
}

function renderDatasets(p: Palette, datasets: readonly DatasetView[], cwd: string): string[] {
  const table = alignRows(
    datasets.map((d) => [
      displayPath(d.source, cwd),
      d.backend ?? "",
      d.phase ?? "",
      d.count !== undefined ? plural(d.count, "item") : "",
      d.shape !== undefined ? d.shape.join("×") : "",
      d.storage ?? "",
      d.pixels !== undefined ? `pixels ${d.pixels}` : "",
      d.labels !== undefined ? `labels ${d.labels}` : "",
      d.order ?? "",
    ]),
  );
  return [p.bold("Datasets"), ...table.map((row) => INDENT + row)];
}

function verdictStyle(p: Palette, verdict: string): Style {
  return verdict === "ok" ? p.green : p.red;
}

function renderProbe(p: Palette, probe: ProbeView): string[] {
  const head = `${p.bold("Probe:")} ${verdictStyle(p, probe.verdict)(probe.verdict)}`;
  const curve = lossSummary(p, probe.losses, "iteration");
  const lines = [curve === "" ? head : `${head}  ${curve}`];
  if (probe.settings !== undefined) lines.push(`${INDENT}${p.dim(oneLine(probe.settings))}`);
  for (const e of probe.evidence) lines.push(`${INDENT}${oneLine(e)}`);
  const fnf = probe.firstNonFinite;
  if (fnf !== undefined) {
    const where = [
      fnf.iteration !== undefined ? `iteration ${fnf.iteration}` : "",
      fnf.layer !== undefined ? `layer ${fnf.layer}` : "",
      fnf.blob !== undefined ? `blob ${fnf.blob}` : "",
      fnf.pass !== undefined ? `${fnf.pass} pass` : "",
    ].filter((s) => s !== "");
    if (!probe.evidence.some((e) => e.startsWith("first "))) lines.push(`${INDENT}first non-finite value: ${where.join(", ") || "location unknown"}`);
  }
  for (const run of probe.fixRuns) {
    const runCurve = lossSummary(p, run.losses, "iteration");
    lines.push(`${INDENT}with fix "${oneLine(run.fix)}": ${verdictStyle(p, run.verdict)(run.verdict)}${runCurve === "" ? "" : `  ${runCurve}`}`);
  }
  return lines;
}

function renderLog(p: Palette, log: LogView, cwd: string): string[] {
  const lines = [p.bold(log.file !== undefined ? `Log ${displayPath(log.file, cwd)}` : "Log")];
  if (log.loss.length > 0) lines.push(`${INDENT}loss ${lossSummary(p, log.loss, "value")}`);
  for (const v of log.verdicts) {
    const at = v.iteration !== undefined ? ` at iteration ${v.iteration}` : "";
    const msg = v.message !== undefined ? `: ${oneLine(v.message)}` : "";
    lines.push(`${INDENT}${verdictStyle(p, v.verdict)(v.verdict)}${at}${msg}`);
    if (v.evidenceLines.length > 0) {
      const label = v.evidenceLines.length === 1 ? "line" : "lines";
      lines.push(`${INDENT}${INDENT}${p.dim(`see ${label} ${v.evidenceLines.join(", ")}`)}`);
    }
    for (const e of v.evidenceText) lines.push(`${INDENT}${INDENT}${p.dim(`| ${oneLine(e)}`)}`);
  }
  if (log.nonFiniteTable.length > 0) {
    lines.push(`${INDENT}around the first non-finite value (mean |x| printed by debug_info, the iteration before → that iteration):`);
    const rows = alignRows([
      ["layer", "pass", "blob", "before", "at", "line"],
      ...log.nonFiniteTable.map((r) => [r.layer, r.pass, r.blob, r.before, r.at, String(r.line)]),
    ]);
    rows.forEach((row, k) => lines.push(`${INDENT}${INDENT}${k === 0 ? p.dim(row) : /nan|inf/.test(row) ? p.red(row) : row}`));
  }
  return lines;
}

function summaryLines(p: Palette, t: ReportTotals): string[] {
  const problems = t.errorCount + t.warningCount + t.infoCount;
  if (problems === 0) return [];
  const style = t.errorCount > 0 ? p.red : t.warningCount > 0 ? p.yellow : p.blue;
  const counts = `${plural(t.errorCount, "error")}, ${plural(t.warningCount, "warning")}, ${plural(t.infoCount, "info")}`;
  const lines = [p.bold(style(`✖ ${plural(problems, "problem")} (${counts})`))];
  const fixable = t.fixableErrorCount + t.fixableWarningCount + t.fixableInfoCount;
  if (fixable > 0) {
    const fixCounts = `${plural(t.fixableErrorCount, "error")}, ${plural(t.fixableWarningCount, "warning")} and ${plural(t.fixableInfoCount, "info")}`;
    lines.push(p.bold(style(`${INDENT}${fixCounts} potentially fixable with the \`--fix\` option.`)));
  }
  if (t.confirmedCount > 0) {
    lines.push(p.magenta(`${INDENT}${plural(t.confirmedCount, "problem")} confirmed by the training probe or log.`));
  }
  return lines;
}

/** The stylish reporter. */
export function stylish(report: LintReport, ctx: ReportContext): string {
  const p = palette(ctx.color);
  const blocks: string[][] = [];
  for (const result of report.results) {
    if (result.findings.length === 0) continue;
    blocks.push(renderFile(p, result.findings, displayPath(result.file, ctx.cwd)));
  }
  const datasets = readDatasets(report.datasets);
  if (datasets.length > 0) blocks.push(renderDatasets(p, datasets, ctx.cwd));
  const probe = readProbe(report.probe);
  if (probe !== undefined) blocks.push(renderProbe(p, probe));
  const skipped = readSkippedProbe(report.probe);
  if (skipped !== undefined) blocks.push([`${p.bold("Probe:")} not run: ${oneLine(skipped.skipped)}`]);
  const log = readLog(report.log);
  if (log !== undefined) blocks.push(renderLog(p, log, ctx.cwd));
  const summary = summaryLines(p, reportTotals(report));
  if (summary.length > 0) blocks.push(summary);
  if (blocks.length === 0) return "";
  return `${blocks.map((b) => b.join("\n")).join("\n\n")}\n`;
}
