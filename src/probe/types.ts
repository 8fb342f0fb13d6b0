/** The probe's boundary: what a short instrumented training run found, as plain JSON-ready data. */

/** Verdict names, shared with the log diagnosis where they overlap. */
export type ProbeVerdict = "saturated-softmax" | "non-finite" | "exploding" | "vanishing" | "not-learning" | "bad-init" | "ok";

export type Pass = "forward" | "backward" | "update";

/** Where Inf or NaN first appeared: iteration, layer, blob and pass, and which came first. */
export interface FirstNonFinite {
  iteration: number;
  layer: string;
  blob: string;
  pass: Pass;
  /** "inf" when an Inf was seen before any NaN (the usual overflow path), else "nan". */
  kind: "inf" | "nan";
  /** The first NaN, when it came later than the first Inf. */
  firstNan?: { iteration: number; layer: string; blob: string; pass: Pass };
}

/** An iteration whose loss is k/N of the saturated-softmax loss. */
export interface SaturatedIteration {
  iteration: number;
  /** Saturated samples. */
  k: number;
  /** Samples in the batch (the softmax normaliser). */
  n: number;
  lossWeight: number;
}

/** Per layer, across iterations: what Caffe's debug_info would print (mean |x|). */
export interface LayerTrace {
  layer: string;
  type: string;
  /** Mean |data| of the first top after forward, per iteration. */
  topData: (number | null)[];
  /** Mean |diff| of the first bottom after backward, per iteration (null when not propagated). */
  bottomDiff: (number | null)[];
  /** Mean |diff| of the first parameter blob after backward, per iteration. */
  paramDiff: (number | null)[];
  /** Largest update ratio lr·|dW| / |W| (mean absolute values) over the run, for the first parameter blob. */
  maxUpdateRatio?: number;
}

export interface ProbeRun {
  /** What this run is: "as written", "lr = 0", or the fix applied. */
  label: string;
  verdict: ProbeVerdict;
  /** Per-iteration loss; null where not finite (the raw value is in rawLosses). */
  losses: (number | null)[];
  rawLosses: number[];
  iterations: number;
  firstNonFinite: FirstNonFinite | null;
  saturated: SaturatedIteration[];
  /** One sentence per piece of evidence behind the verdict. */
  evidence: string[];
  seconds: number;
}

export interface FixRun extends ProbeRun {
  /** The fix's description, as in the finding. */
  fix: string;
  ruleId: string;
}

/** The `probe` section of the report. */
export interface ProbeReport {
  verdict: ProbeVerdict;
  losses: (number | null)[];
  /** The same losses with non-finite values kept (JSON writes them as "nan", "inf"). */
  rawLosses: number[];
  firstNonFinite: FirstNonFinite | null;
  saturated: SaturatedIteration[];
  evidence: string[];
  /** Settings the probe ran with, and any reduction it made to fit its budget. */
  settings: {
    iterations: number;
    batch: number;
    seed: number;
    solver: string;
    /** What fed the inputs: the real datasets, or synthetic values and their shapes. */
    data: string;
    notes: string[];
    /** The main input's shape as the net declares it and as the probe ran it, when scaled to fit the budget. */
    scaled?: { from: number[]; to: number[] };
  };
  layers: LayerTrace[];
  lrZero?: ProbeRun;
  /** BatchNorm outputs on the same batch after the run, built in TRAIN and in TEST (mean |top|). */
  batchNormPhases?: { layer: string; train: number; test: number; ratio: number | null }[];
  /** Largest update ratio lr·|dW|/|W| seen, and where (healthy around 1e-3). */
  maxUpdateRatio?: { layer: string; ratio: number };
  fixRuns: FixRun[];
  seconds: number;
}
