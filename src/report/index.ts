/** Reporters: pure functions from a finalized LintReport to text, and the helpers that finalize a report. */

export type { Formatter, ReportContext } from "./types.js";
export { formatters, formatterNames, isFormatterName, DEFAULT_FORMATTER, type FormatterName } from "./formatters.js";
export {
  compareFindings,
  sortFindings,
  fileResult,
  finalizeReport,
  reportTotals,
  isFixable,
  isConfirmed,
  type ReportTotals,
} from "./finalize.js";
export { stylish, CONFIRMED_MARKER } from "./stylish.js";
export { json, reportJson, JSON_REPORT_FORMAT_VERSION } from "./json.js";
export { sarif, sarifLog, SARIF_SCHEMA_URI } from "./sarif.js";
export { github } from "./github.js";
export type { DatasetView, ProbeView, LogView, FixRunView, LogVerdictView, FirstNonFiniteView, LossSeries } from "./views.js";
