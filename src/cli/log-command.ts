/** The log parts of the CLI: `--log` (diagnose a training log into the report) and `log-to-csv`. */
import fs from "node:fs";
import type { LintReport } from "../findings.js";
import { diagnoseLogFile, parseLogFile, seriesToCsv } from "../log/index.js";
import type { CliIo } from "./io.js";
import { linkLogVerdicts } from "../lint/log-link.js";
import type { NetModel } from "../model/types.js";
import { UsageError } from "./io.js";

function ensureReadable(file: string): void {
  if (!fs.existsSync(file)) throw new UsageError(`${file}: no such log file`);
}

/** Adds the log's diagnosis to the report (`log` section) and marks the findings it confirms. */
export async function attachLog(report: LintReport, file: string, io: CliIo, model: NetModel | undefined): Promise<LintReport> {
  ensureReadable(file);
  const { json } = await diagnoseLogFile(file, progressPrinter(io));
  const findings = report.results.flatMap((r) => r.findings);
  for (const [finding, confirmation] of linkLogVerdicts(findings, json.verdicts, model)) finding.confirmedByLog = confirmation;
  return { ...report, log: json };
}

export async function logToCsvCommand(file: string): Promise<string> {
  ensureReadable(file);
  const parsed = await parseLogFile(file);
  return seriesToCsv(parsed.series);
}

/** A progress line on stderr for long reads on a terminal; silent otherwise. */
function progressPrinter(io: CliIo): ((done: number, total: number) => void) | undefined {
  if (!io.stderrIsTTY) return undefined;
  const started = Date.now();
  let shown = false;
  return (done, total) => {
    if (Date.now() - started < 500) return;
    shown = true;
    io.stderr(`\rreading log: ${Math.round((100 * done) / Math.max(total, 1))}%`);
    if (done >= total && shown) io.stderr("\r\x1b[K");
  };
}
