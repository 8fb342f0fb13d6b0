/** Shapes shared by every reporter. */

import type { LintReport } from "../findings.js";

/** What a reporter may know about where its text goes. */
export interface ReportContext {
  /** Whether ANSI colour escapes may be written. */
  color: boolean;
  /** Directory that file paths are shown relative to (and SARIF's %SRCROOT%). */
  cwd: string;
}

/**
 * A reporter: a pure function from a finalized report to the text to print.
 * It performs no I/O and decides no exit code. The returned text ends with a
 * newline unless it is empty.
 */
export type Formatter = (report: LintReport, ctx: ReportContext) => string;
