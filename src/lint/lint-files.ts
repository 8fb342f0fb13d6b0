/**
 * The library's entry point: lint files from disk into one finalized report.
 * Per file: its configuration (found upward, or explicit), the lint pipeline,
 * inline directives, severities. No printing, no exit codes.
 */
import fs from "node:fs";
import path from "node:path";
import { rules as allRules } from "../../rules/index.js";
import { CONFIG_RULES, PARSE_ERROR_RULE_ID } from "../config/builtin-rules.js";
import { applyDirectives, directiveFindings, parseDirectives } from "../config/directives.js";
import { loadConfig } from "../config/load.js";
import type { ResolvedConfig } from "../config/types.js";
import type { Finding, LintReport, RuleMeta } from "../findings.js";
import { finalizeReport, fileResult } from "../report/finalize.js";
import { lintText, parseErrorFinding, type LintOptions, type LintOutcome } from "./lint.js";
import { BUILTIN_RULES } from "./builtin-rules.js";
import { TOOL_VERSION } from "./version.js";

export interface LintFilesOptions extends Omit<LintOptions, "config"> {
  /** An explicit configuration file (--config); otherwise .bnlintrc.json is looked for upward from each file. */
  configFile?: string;
  /** Use this configuration instead of looking for one. */
  config?: ResolvedConfig;
}

/** Metadata of every rule and built-in finding id, for reports and --list-rules. */
export function allRuleMeta(): RuleMeta[] {
  return [
    ...allRules.map(({ meta }) => ({ id: meta.id, category: meta.category, description: meta.description, defaultSeverity: meta.defaultSeverity, fixable: meta.fixable })),
    ...BUILTIN_RULES,
    ...CONFIG_RULES,
  ];
}

export function knownRuleIds(): string[] {
  return allRuleMeta().map((r) => r.id);
}

/** Lints each path and returns the report; also returns each file's outcome for later stages. */
export function lintFilesDetailed(paths: readonly string[], options: LintFilesOptions = {}): { report: LintReport; outcomes: LintOutcome[] } {
  const cwd = options.cwd ?? process.cwd();
  const results: { file: string; findings: Finding[] }[] = [];
  const outcomes: LintOutcome[] = [];
  for (const input of paths) {
    const file = path.resolve(cwd, input);
    const config = options.config ?? loadConfig(path.dirname(file), options.configFile && path.resolve(cwd, options.configFile), knownRuleIds());
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      results.push({ file, findings: [parseErrorFinding(file, code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a prototxt" : `cannot read the file (${code})`)] });
      continue;
    }
    const outcome = lintText(text, file, { ...options, cwd, config, proto: options.proto ?? config.proto, root: options.root ?? config.root });
    outcomes.push(outcome);
    let findings = outcome.findings;
    for (const [docFile, doc] of outcome.documents) {
      const parsed = parseDirectives(doc.comments);
      const own = findings.filter((f) => f.file === docFile);
      const rest = findings.filter((f) => f.file !== docFile);
      findings = [...rest, ...applyDirectives(own, parsed.directives), ...directiveFindings(parsed, docFile, knownRuleIds())];
    }
    const byFile = new Map<string, Finding[]>(outcome.files.map((f) => [f, []]));
    for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
    for (const [f, list] of byFile) results.push({ file: f, findings: list });
  }
  const report = finalizeReport({
    tool: { name: "bnlint", version: TOOL_VERSION },
    results: results.map((r) => fileResult(r.file, r.findings)),
    rules: allRuleMeta(),
  });
  return { report, outcomes };
}

/** Lints the given net and solver files (a solver brings in the nets it names). */
export async function lintFiles(paths: readonly string[], options: LintFilesOptions = {}): Promise<LintReport> {
  return lintFilesDetailed(paths, options).report;
}

/** Whether any finding means the input could not be read or parsed (exit code 2). */
export function hasParseErrors(report: LintReport): boolean {
  return report.results.some((r) => r.findings.some((f) => f.ruleId === PARSE_ERROR_RULE_ID && f.severity === "error"));
}
