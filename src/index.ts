/** bnlint's public API. Everything else is internal. */
export { lintFiles, hasParseErrors, allRuleMeta } from "./lint/lint-files.js";
export type { LintFilesOptions } from "./lint/lint-files.js";
export { lintText } from "./lint/lint.js";
export type { LintOptions, LintOutcome } from "./lint/lint.js";
export { memoryFiles } from "./load/files.js";
export type { FileSource } from "./load/files.js";
export { formatters, formatterNames } from "./report/formatters.js";
export type { Formatter, ReportContext } from "./report/types.js";
export { applyEdits } from "./lint/apply-edits.js";
export { rules } from "../rules/index.js";
export type { Rule, RuleContext, RuleDocs, RuleReport } from "../rules/types.js";
export type { Confirmation, FileResult, Finding, Fix, LintReport, Phase, RuleMeta, Severity, TextEdit } from "./findings.js";
