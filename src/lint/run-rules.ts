/**
 * Runs rules over a context and turns their reports into findings: message
 * templates filled, positions resolved, the same problem seen in several
 * phases merged into one finding.
 */
import type { Rule, RuleContext, RuleReport } from "../../rules/types.js";
import type { Finding, Phase, Severity } from "../findings.js";
import { spanOf } from "../schema/types.js";

/** Fills `{{name}}` placeholders; an unknown placeholder is left visible rather than guessed. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}

function toFinding(rule: Rule, report: RuleReport, context: RuleContext): Finding {
  const template = rule.meta.messages[report.messageId];
  if (template === undefined) throw new Error(`rule ${rule.meta.id} reported unknown message id '${report.messageId}'`);
  const span = spanOf(report.node, report.field, report.fieldIndex);
  return {
    ruleId: rule.meta.id,
    severity: report.severity ?? rule.meta.defaultSeverity,
    message: formatMessage(template, report.data),
    file: report.file ?? context.file,
    line: span?.start.line ?? 1,
    column: span?.start.column ?? 1,
    ...(span ? { endLine: span.end.line, endColumn: span.end.column } : {}),
    ...(report.layer !== undefined ? { layer: report.layer } : {}),
    phases: report.phases,
    ...(report.fix ? { fix: report.fix } : {}),
  };
}

const PHASE_ORDER: Phase[] = ["TRAIN", "TEST"];

/** Runs each rule; findings identical but for their phase become one finding listing both phases. */
export function runRules(rules: readonly Rule[], context: RuleContext, severityOf: (rule: Rule) => Severity | "off" = (r) => r.meta.defaultSeverity): Finding[] {
  const merged = new Map<string, Finding>();
  for (const rule of rules) {
    const configured = severityOf(rule);
    if (configured === "off") continue;
    for (const report of rule.check(context)) {
      const finding = toFinding(rule, report, context);
      // A configured severity replaces the default; a rule's own override (e.g. info with pretrained weights) still applies when it is milder.
      if (configured !== rule.meta.defaultSeverity && report.severity === undefined) finding.severity = configured;
      const key = [finding.ruleId, finding.file, finding.line, finding.column, finding.message].join("\u0000");
      const existing = merged.get(key);
      if (existing) {
        existing.phases = PHASE_ORDER.filter((p) => existing.phases.includes(p) || finding.phases.includes(p));
      } else {
        merged.set(key, finding);
      }
    }
  }
  return [...merged.values()];
}
