/** The shared vocabulary of every stage after the model: findings and their positions. */

export type Severity = "error" | "warning" | "info";
export type Phase = "TRAIN" | "TEST";

/** A text replacement in a file: replace [start, end) (1-based line/column) with `text`. */
export interface TextEdit {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
}

export interface Fix {
  /** What to write, in words a user can follow by hand ("set use_global_stats: false in layer bn1"). */
  description: string;
  /** Edits that apply the fix automatically, when it is safe to do so. */
  edits?: TextEdit[];
}

/** Evidence from a dynamic check (the training probe or a log) that confirms a finding. */
export interface Confirmation {
  source: "probe" | "log";
  verdict: string;
  detail: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** Name of the layer the finding is about, when there is one. */
  layer?: string;
  /** Phases in which the problem shows. Empty for solver or file-level findings. */
  phases: Phase[];
  fix?: Fix;
  confirmedByProbe?: Confirmation;
  confirmedByLog?: Confirmation;
  /** A probe that ran and did not reproduce what the finding predicts, and why. */
  refutedByProbe?: { verdict: string; detail: string };
}

/** Plain metadata of a rule, as reporters, `--list-rules` and docs need it. */
export interface RuleMeta {
  id: string;
  /** "problem": training will break; "suggestion": it may train, but worse or slower. */
  category: "problem" | "suggestion";
  /** One imperative line. */
  description: string;
  defaultSeverity: Severity;
  /** Whether findings carry automatic edits. */
  fixable: boolean;
}

/** Everything bnlint found in one input file (net, solver, dataset or log). */
export interface FileResult {
  file: string;
  findings: Finding[];
  /** Counts by severity, after configuration and inline disables. */
  errorCount: number;
  warningCount: number;
  infoCount: number;
}

/**
 * The whole outcome of a run: what reporters turn into text. Sections other
 * than `results` are filled by the stages that ran (datasets, probe, log) and
 * are plain JSON-serialisable data.
 */
export interface LintReport {
  tool: { name: "bnlint"; version: string };
  results: FileResult[];
  rules: RuleMeta[];
  datasets?: unknown[];
  probe?: unknown;
  log?: unknown;
}
