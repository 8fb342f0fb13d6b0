/**
 * Shapes of a parsed Caffe training log and of its diagnosis.
 *
 * In memory, a printed non-finite value is a JS number (NaN, Infinity, -Infinity) and a value the log
 * did not print is `null`. In JSON (see `logToJson`), non-finite numbers become the strings "nan", "inf"
 * and "-inf", so that a reader can tell a printed NaN from a value that was never printed (`null`).
 */

/** Which pass of the solver printed a debug_info line. */
export type DebugPass = "forward" | "backward" | "update";

/** What a debug_info line measured: a layer's top or bottom blob, one of its parameters, or a net input. */
export type DebugBlobKind = "top" | "bottom" | "param" | "input";

/** One value of a debug_info line: the mean absolute value of a blob's data or diff. */
export interface DebugEntry {
  line: number;
  pass: DebugPass;
  /** Layer name; for `input` entries, the input blob name. */
  layer: string;
  kind: DebugBlobKind;
  /** Blob name for top/bottom/input; the parameter's display name (usually its index) for params. */
  blob: string;
  field: "data" | "diff";
  value: number;
}

/** The debug_info lines of one training iteration, kept only for a few iterations of interest. */
export interface DebugBlock {
  iteration: number;
  /** Why this block was kept: "first", "first-non-finite", "before-first-non-finite", "first-inf", "before-first-inf". */
  reasons: string[];
  entries: DebugEntry[];
  /** The "[Backward] All net params (data, diff)" norms, when printed. */
  netNorms?: NetNorms;
}

export interface NetNorms {
  line: number;
  l1Data: number;
  l1Diff: number;
  l2Data: number;
  l2Diff: number;
}

/** Magnitude summary of one (pass, layer, blob kind, blob, field) across all iterations of the log. */
export interface LayerMagnitudeSummary {
  pass: DebugPass;
  layer: string;
  kind: DebugBlobKind;
  blob: string;
  field: "data" | "diff";
  /** Position of this key among all keys, in order of first appearance (= net order within a pass). */
  order: number;
  count: number;
  first: number;
  firstIteration: number;
  last: number;
  lastIteration: number;
  /** 1-based line of the last value. */
  lastLine: number;
  /** Smallest and largest finite values, with their iterations (null when no finite value was seen). */
  min: number | null;
  minIteration: number | null;
  max: number | null;
  maxIteration: number | null;
  /** 1-based line of the largest finite value. */
  maxLine: number | null;
  /** First iteration at which this value was printed as nan or inf, and its line. */
  firstNonFiniteIteration: number | null;
  firstNonFiniteLine: number | null;
}

/** A layer as the log header describes it (the net dump, "Creating Layer", "Top shape"). */
export interface HeaderLayer {
  name: string;
  type?: string;
  bottoms: string[];
  tops: string[];
  /** One shape per top, from "Top shape: 64 10 (640)". */
  topShapes: number[][];
  batchSize?: number;
  numOutput?: number;
  ignoreLabel?: number;
  lossWeights: number[];
  /** SoftmaxWithLoss/Softmax axis, when set. */
  axis?: number;
  /** loss_param normalization (FULL, VALID, BATCH_SIZE, NONE), or BATCH_SIZE/VALID from the legacy `normalize`. */
  normalization?: string;
}

export interface HeaderNet {
  phase: "TRAIN" | "TEST";
  /** Test net index (0 for the training net). */
  index: number;
  name?: string;
  layers: HeaderLayer[];
  outputs: string[];
  line: number;
}

/** Solver settings read from the "Initializing solver from parameters" dump. */
export interface HeaderSolver {
  line: number;
  /** Top-level scalar fields, verbatim (strings without quotes). Repeated fields keep the last value. */
  fields: Record<string, string>;
  iterSize: number;
  display?: number;
  maxIter?: number;
  lrPolicy?: string;
  baseLr?: number;
  averageLoss: number;
  debugInfo: boolean;
}

/** One test phase: "Iteration N, Testing net (#k)" and its "Test net output" lines. */
export interface TestPhase {
  iteration: number;
  net: number;
  line: number;
  outputs: Record<string, number>;
  /** Weighted value of a loss output as printed after "(* w = ...)", keyed by output name. */
  lossWeights: Record<string, number>;
}

/** The per-iteration series of a training log; arrays are aligned with `iterations`. */
export interface LogSeries {
  /** Iterations with a display line, in log order (a restart can make them go back). */
  iterations: number[];
  /** 1-based line of the "Iteration N ... loss =" line (or of the first line that mentioned N). */
  lines: number[];
  /** Displayed (smoothed) loss; null when only an lr line was printed for the iteration. */
  loss: (number | null)[];
  lr: (number | null)[];
  /** Unweighted train net outputs by name ("Train net output #k: NAME = v"). */
  trainOutputs: Record<string, (number | null)[]>;
  /** loss_weight of each train output, as printed in "(* w = ...)"; 0 or absent for non-loss outputs. */
  trainOutputWeights: Record<string, number>;
  testOutputs: TestPhase[];
  /** "[Backward] All net params" norms, one per debug block, with the iteration of each. */
  netNorms: { iterations: number[]; lines: number[]; l1Data: number[]; l1Diff: number[]; l2Data: number[]; l2Diff: number[] };
}

export interface LogRestart {
  line: number;
  /** "solving" (a further "Solving" header), "restore" (Restoring previous solver status), "iteration" (iterations went back). */
  kind: "solving" | "restore" | "iteration";
  /** Last iteration seen before the restart. */
  afterIteration: number | null;
}

/**
 * Everything `parseLogLines`/`parseLogFile` keep from a log: bounded whatever the log's length.
 * `series` covers the whole log in log order; the debug_info fields (`debugBlocks`, `layerSummaries`,
 * `firstNonFiniteDebug`, `firstNanDebug`, `firstInfDebug`) describe the last run when the log holds
 * several (see `restarts`).
 */
export interface ParsedLog {
  lineCount: number;
  /** Lines that carried something the reader understood. */
  recognisedLines: number;
  series: LogSeries;
  /** Debug blocks of interesting iterations, in iteration order. */
  debugBlocks: DebugBlock[];
  /** Magnitude summary per (pass, layer, kind, blob, field), in order of first appearance. */
  layerSummaries: LayerMagnitudeSummary[];
  /** First debug_info value printed as nan/inf in the training net, in log order. */
  firstNonFiniteDebug: (DebugEntry & { iteration: number }) | null;
  /** First debug_info value printed as nan. */
  firstNanDebug: (DebugEntry & { iteration: number }) | null;
  /** First debug_info value printed as inf or -inf. */
  firstInfDebug: (DebugEntry & { iteration: number }) | null;
  nets: HeaderNet[];
  solver: HeaderSolver | null;
  restarts: LogRestart[];
  snapshots: { line: number; file: string }[];
  /** Line number of a last line that had no newline (a log cut while being written), else null. */
  unterminatedLastLine: number | null;
  /** True when at least one debug_info line was seen. */
  hasDebugInfo: boolean;
  /** debug_info lines of the first non-finite iteration, up to a few past the first non-finite value, beside the iteration before. */
  nonFiniteTable?: NonFiniteRow[];
}

export type LogVerdictName =
  | "saturated-softmax"
  | "non-finite"
  | "exploding"
  | "vanishing"
  | "not-learning"
  | "lr-schedule"
  | "oscillating"
  | "ok";

/** One diagnosis of a log. `iteration` is where it shows first (or where it was judged). */
export interface LogVerdict {
  verdict: LogVerdictName;
  iteration: number | null;
  layer?: string;
  blob?: string;
  pass?: DebugPass;
  /** 1-based lines of the log that show it. */
  evidenceLines: number[];
  message: string;
  /** Verdict-specific numbers (k, N, loss weight, ratios...), for reporters and tests. */
  details?: Record<string, number | string | boolean | null>;
}

/** The JSON `log` object of a report. Non-finite numbers are the strings "nan", "inf", "-inf". */
export type JsonNumber = number | "nan" | "inf" | "-inf";

/** One debug_info value around the first non-finite one: the iteration before it and that iteration. */
export interface NonFiniteRow {
  line: number;
  pass: DebugPass;
  layer: string;
  blob: string;
  field: "data" | "diff";
  before: JsonNumber | null;
  at: JsonNumber;
}

export interface LogJson {
  file: string;
  verdicts: LogVerdict[];
  series: {
    iterations: number[];
    loss: (JsonNumber | null)[];
    lr: (JsonNumber | null)[];
    trainOutputs: Record<string, (JsonNumber | null)[]>;
    testOutputs: { iteration: number; net: number; line: number; outputs: Record<string, JsonNumber> }[];
  };
  lineCount: number;
  restarts: LogRestart[];
  unterminatedLastLine: number | null;
  hasDebugInfo: boolean;
  /** What the log header told about the loss (null when unknown). */
  net: { batchSize: number | null; classes: number | null };
  /** debug_info magnitude summaries of the last run, in net order per pass (empty without debug_info). */
  layerSummaries: (Omit<LayerMagnitudeSummary, "first" | "last"> & { first: JsonNumber; last: JsonNumber })[];
}
