/**
 * The library's entry point: lint files from disk into one finalized report.
 * Per file: its configuration (found upward, or explicit), the lint pipeline,
 * inline directives, severities. No printing, no exit codes.
 */
import fs from "node:fs";
import path from "node:path";
import { rules as allRules } from "../../rules/index.js";
import { CONFIG_RULES, PARSE_ERROR_RULE_ID } from "../config/builtin-rules.js";
import { applyDirectives, directiveFindings, parseDirectives, unusedDirectiveFindings } from "../config/directives.js";
import { loadConfig } from "../config/load.js";
import { applySeverities } from "../config/severities.js";
import type { ResolvedConfig } from "../config/types.js";
import type { Finding, LintReport, RuleMeta } from "../findings.js";
import { finalizeReport, fileResult } from "../report/finalize.js";
import { lintText, parseErrorFinding, type LintOptions, type LintOutcome } from "./lint.js";
import { BUILTIN_RULES } from "./builtin-rules.js";
import { TOOL_VERSION } from "./version.js";
import { divergenceFindings, probeSubject } from "./probe-subject.js";
import { datasetReport } from "./datasets.js";
import { runProbe, type ProbeOptions } from "../probe/probe.js";
import type { ProbeReport } from "../probe/types.js";

export interface LintFilesOptions extends Omit<LintOptions, "config"> {
  /**
   * The training probe: "auto" runs it when a divergence-class finding exists (the CLI's default),
   * "force" always, "off" never (the library's default).
   */
  probe?: "auto" | "force" | "off";
  /** The mode when neither `probe` nor the configuration's probe.enabled says (the CLI passes "auto"). */
  probeDefault?: "auto" | "force" | "off";
  probeOptions?: ProbeOptions;
  /** An explicit configuration file (--config); otherwise .bnlintrc.json is looked for upward from each file. */
  configFile?: string;
  /** Use this configuration instead of looking for one. */
  config?: ResolvedConfig;
}

/** A NUL byte in the first kilobytes: a protobuf binary, not text. */
function looksBinary(text: string): boolean {
  return text.slice(0, 4096).includes("\u0000");
}

/** Ids of the rule modules (levelled as they run, unlike the pipeline's own findings). */
const MODULE_RULE_IDS = new Set(allRules.map((r) => r.meta.id));

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
export function lintFilesDetailed(paths: readonly string[], options: LintFilesOptions = {}): { report: LintReport; outcomes: LintOutcome[]; maxWarnings?: number } {
  const cwd = options.cwd ?? process.cwd();
  const results: { file: string; findings: Finding[] }[] = [];
  const outcomes: LintOutcome[] = [];
  let probe: ProbeSection | undefined;
  let maxWarnings: number | undefined;
  const datasets: Record<string, unknown>[] = [];
  for (const input of paths) {
    const file = path.resolve(cwd, input);
    const config = options.config ?? loadConfig(path.dirname(file), options.configFile && path.resolve(cwd, options.configFile), knownRuleIds());
    // The strictest limit of the configurations in force.
    if (config.maxWarnings !== undefined) maxWarnings = Math.min(maxWarnings ?? Infinity, config.maxWarnings);
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      results.push({ file, findings: [parseErrorFinding(file, code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a prototxt" : `cannot read the file (${code})`)] });
      continue;
    }
    if (looksBinary(text)) {
      results.push({ file, findings: [parseErrorFinding(file, "this is a binary file (a .caffemodel or .binaryproto?); bnlint lints text prototxt nets and solvers (pass weights with --weights)")] });
      continue;
    }
    const inputShapes = { ...(config.inputShapes ?? {}), ...(options.inputShapes ?? {}) };
    const lintOptions: LintOptions = { ...options, cwd, config, proto: options.proto ?? config.proto, root: options.root ?? config.root, ...(Object.keys(inputShapes).length > 0 ? { inputShapes } : {}) };
    const outcome = lintText(text, file, lintOptions);
    outcomes.push(outcome);
    datasets.push(...datasetReport(outcome.datasets, cwd));
    if (!probe) probe = probeIfAsked(outcome, lintOptions, options, config);
    let findings = outcome.findings;
    for (const [docFile, doc] of outcome.documents) {
      const parsed = parseDirectives(doc.comments);
      const own = findings.filter((f) => f.file === docFile);
      const rest = findings.filter((f) => f.file !== docFile);
      const unused = unusedDirectiveFindings(own, parsed.directives, docFile, knownRuleIds());
      findings = [...rest, ...applyDirectives(own, parsed.directives), ...directiveFindings(parsed, docFile, knownRuleIds()), ...unused];
    }
    // Rule modules were levelled as they ran; the pipeline's own findings (missing files, directives,
    // deprecated formats, datasets) take their configured level here. Parse errors keep theirs.
    findings = [...findings.filter((f) => MODULE_RULE_IDS.has(f.ruleId)), ...applySeverities(findings.filter((f) => !MODULE_RULE_IDS.has(f.ruleId)), config)];
    const byFile = new Map<string, Finding[]>(outcome.files.map((f) => [f, []]));
    for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
    for (const [f, list] of byFile) results.push({ file: f, findings: list });
  }
  const report = finalizeReport({
    tool: { name: "bnlint", version: TOOL_VERSION },
    results: results.map((r) => fileResult(r.file, r.findings)),
    rules: allRuleMeta(),
    ...(datasets.length > 0 ? { datasets } : {}),
    ...(probe ? { probe } : {}),
  });
  return { report, outcomes, ...(maxWarnings !== undefined ? { maxWarnings } : {}) };
}

/** The report's probe section: the probe's report, or why it did not run. */
export type ProbeSection = ProbeReport | { skipped: string };

/**
 * Runs the probe for one linted input when the options ask for it, and marks
 * the findings it confirms (in place, before directives and reporting).
 */
function probeIfAsked(outcome: LintOutcome, lintOptions: LintOptions, options: LintFilesOptions, config: ResolvedConfig): ProbeSection | undefined {
  const mode = options.probe ?? (config.probe.enabled === true ? "force" : config.probe.enabled === false ? "off" : options.probeDefault ?? "off");
  if (mode === "off") return undefined;
  const candidates = divergenceFindings(outcome.findings);
  if (mode === "auto" && candidates.length === 0) return undefined;
  const built = probeSubject(outcome, lintOptions);
  if (!built.subject) return { skipped: built.reason ?? "cannot probe" };
  const settings: ProbeOptions = {
    ...(config.probe.iters !== undefined ? { iterations: config.probe.iters } : {}),
    ...(config.probe.batch !== undefined ? { batch: config.probe.batch } : {}),
    ...(config.probe.seed !== undefined ? { seed: config.probe.seed } : {}),
    ...(config.probe.budgetSeconds !== undefined ? { budgetSeconds: config.probe.budgetSeconds } : {}),
    ...options.probeOptions,
  };
  let result;
  try {
    result = runProbe(built.subject, candidates, settings);
  } catch (err) {
    // An engine limit (an unsupported layer type, a shape it cannot run) leaves the static findings standing.
    return { skipped: err instanceof Error ? err.message : String(err) };
  }
  if ("skipped" in result) return result;
  for (const [finding, confirmation] of result.confirmations) finding.confirmedByProbe = confirmation;
  for (const [finding, refutation] of result.refutations) finding.refutedByProbe = refutation;
  return result.report;
}

/** Lints the given net and solver files (a solver brings in the nets it names). */
export async function lintFiles(paths: readonly string[], options: LintFilesOptions = {}): Promise<LintReport> {
  return lintFilesDetailed(paths, options).report;
}

/** Whether any finding means the input could not be read or parsed (exit code 2). */
export function hasParseErrors(report: LintReport): boolean {
  return report.results.some((r) => r.findings.some((f) => f.ruleId === PARSE_ERROR_RULE_ID && f.severity === "error"));
}
