/** `bnlint explain RULE` and `--list-rules`: rule docs as text, in Ruff's heading order. */
import { rules } from "../../rules/index.js";
import type { Rule } from "../../rules/types.js";
import { allRuleMeta } from "../lint/lint-files.js";
import { closestName } from "../schema/closest.js";
import { UsageError } from "./io.js";

export function findRule(id: string): Rule {
  const rule = rules.find((r) => r.meta.id === id);
  if (!rule) {
    const guess = closestName(id, rules.map((r) => r.meta.id));
    throw new UsageError(`unknown rule '${id}'${guess ? ` (did you mean ${guess}?)` : ""}; 'bnlint --list-rules' lists them`);
  }
  return rule;
}

function indent(text: string): string {
  return text.trimEnd().split("\n").map((l) => `    ${l}`).join("\n");
}

/** The doc page of a rule, as plain text with Markdown-style headings. */
export function explainRule(rule: Rule): string {
  const { meta } = rule;
  const d = meta.docs;
  return [
    `# ${meta.id} (${meta.defaultSeverity}${meta.fixable ? ", fixable" : ""})`,
    "",
    meta.description + ".",
    "",
    "## What it does",
    d.whatItDoes,
    "",
    "## Why is this bad?",
    d.whyIsThisBad,
    "",
    "## Example",
    indent(d.example),
    "",
    "## Use instead",
    indent(d.useInstead),
    "",
    "## Options",
    d.options,
    "",
    "## Fix safety",
    d.fixSafety,
    "",
    "## References",
    ...d.references.map((r) => `- ${r}`),
    "",
  ].join("\n");
}

/** One line per rule: id, default severity, description. */
export function listRules(): string {
  const metas = allRuleMeta();
  const width = Math.max(...metas.map((m) => m.id.length));
  return metas
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((m) => `${m.id.padEnd(width)}  ${m.defaultSeverity.padEnd(7)}  ${m.fixable ? "fix" : "   "}  ${m.description}`)
    .join("\n") + "\n";
}
