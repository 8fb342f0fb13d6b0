/** Finding ids produced by the lint pipeline itself rather than by a rule module. */
import type { RuleMeta } from "../findings.js";

export const MISSING_FILE_RULE_ID = "missing-file";
export const DEPRECATED_FORMAT_RULE_ID = "deprecated-format";

export const BUILTIN_RULES: readonly RuleMeta[] = [
  { id: "parse-error", category: "problem", description: "Write files that Caffe's text-format parser and caffe.proto accept", defaultSeverity: "error", fixable: false },
  { id: MISSING_FILE_RULE_ID, category: "problem", description: "Name nets that exist", defaultSeverity: "error", fixable: false },
  { id: DEPRECATED_FORMAT_RULE_ID, category: "suggestion", description: "Write nets in the current layer format, which Caffe would otherwise upgrade on every load", defaultSeverity: "info", fixable: false },
];
