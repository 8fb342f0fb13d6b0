/**
 * Ids of findings that no rule module produces: parse errors, which are
 * reported by the loading stages and cannot be turned off, and problems with
 * inline directives, which are reported here and can be configured like a rule.
 */

import type { RuleMeta } from "../findings.js";

/** Rule id of a finding for a file that could not be read or parsed. Never disabled nor re-levelled. */
export const PARSE_ERROR_RULE_ID = "parse-error";

/** Rule id of a finding for an inline directive that names an unknown directive or rule. */
export const DIRECTIVE_RULE_ID = "unknown-disable-directive";

/** Rule id of a finding for a disable directive that switched nothing off. */
export const UNUSED_DIRECTIVE_RULE_ID = "unused-disable-directive";

/** Metadata of the findings produced by configuration handling, to add to the report's rules. */
export const CONFIG_RULES: readonly RuleMeta[] = [
  {
    id: DIRECTIVE_RULE_ID,
    category: "problem",
    description: "Name only known rules in bnlint-disable and bnlint-enable comments.",
    defaultSeverity: "warning",
    fixable: false,
  },
  {
    id: UNUSED_DIRECTIVE_RULE_ID,
    category: "suggestion",
    description: "Remove bnlint-disable comments that no longer switch anything off.",
    defaultSeverity: "warning",
    fixable: false,
  },
];
