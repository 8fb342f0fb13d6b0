/** Applying the configured rule levels to findings. */

import type { Finding } from "../findings.js";
import { PARSE_ERROR_RULE_ID } from "./builtin-rules.js";
import type { ResolvedConfig } from "./types.js";

/**
 * The findings with the configured levels: a rule set to "off" loses its
 * findings, any other level replaces their severity; rules not configured
 * keep the severity their rule gave. Parse errors are left as they are.
 */
export function applySeverities(findings: readonly Finding[], config: Pick<ResolvedConfig, "rules">): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const setting = f.ruleId === PARSE_ERROR_RULE_ID ? undefined : config.rules[f.ruleId];
    if (setting === undefined) out.push(f);
    else if (setting.level !== "off") out.push(setting.level === f.severity ? f : { ...f, severity: setting.level });
  }
  return out;
}

/** The options object configured for a rule ({} when none). */
export function ruleOptions(config: Pick<ResolvedConfig, "rules">, ruleId: string): Record<string, unknown> {
  return config.rules[ruleId]?.options ?? {};
}
