/**
 * One shared set of reports that every reporter is run on: a parse error
 * (rule id "parse-error"), a warning, a fixable error with edits, an error
 * confirmed by the probe, an info, plus a clean run and a run with dataset,
 * probe and log sections. Paths live under a made-up working directory.
 */

import type { Finding, LintReport, RuleMeta } from "../../src/findings.js";
import { finalizeReport } from "../../src/report/index.js";

export const CWD = "/project";
export const NET = "/project/models/train_val.prototxt";
export const SOLVER = "/project/models/solver.prototxt";

export const RULES: RuleMeta[] = [
  {
    id: "bn-global-stats-phase",
    category: "problem",
    description: "Use batch statistics in TRAIN: use_global_stats must be false or unset there.",
    defaultSeverity: "error",
    fixable: true,
  },
  {
    id: "base-lr-too-high",
    category: "problem",
    description: "Keep base_lr within the range the net's normalisation tolerates.",
    defaultSeverity: "error",
    fixable: false,
  },
  {
    id: "step-without-stepsize",
    category: "problem",
    description: "Give stepsize when lr_policy is \"step\".",
    defaultSeverity: "warning",
    fixable: false,
  },
  {
    id: "redundant-scale-bias",
    category: "suggestion",
    description: "Drop bias_term when a Scale layer already adds a bias.",
    defaultSeverity: "info",
    fixable: false,
  },
];

export const PARSE_ERROR: Finding = {
  ruleId: "parse-error",
  severity: "error",
  message: "Expected ':' or '{' after field name \"base_lr\"",
  file: SOLVER,
  line: 3,
  column: 9,
  phases: [],
};

export const WARNING: Finding = {
  ruleId: "step-without-stepsize",
  severity: "warning",
  message: "lr_policy is \"step\" but stepsize is not set",
  file: SOLVER,
  line: 5,
  column: 1,
  endLine: 5,
  endColumn: 18,
  phases: [],
  fix: { description: "add stepsize: 10000 to the solver" },
};

export const FIXABLE: Finding = {
  ruleId: "bn-global-stats-phase",
  severity: "error",
  message: "BatchNorm bn1 uses global statistics in TRAIN",
  file: NET,
  line: 12,
  column: 5,
  endLine: 12,
  endColumn: 27,
  layer: "bn1",
  phases: ["TRAIN"],
  fix: {
    description: "set use_global_stats: false in layer bn1",
    edits: [{ file: NET, line: 12, column: 23, endLine: 12, endColumn: 27, text: "false" }],
  },
};

export const CONFIRMED: Finding = {
  ruleId: "base-lr-too-high",
  severity: "error",
  message: "base_lr 0.5 is too high for a net without normalisation",
  file: NET,
  line: 120,
  column: 3,
  endLine: 124,
  endColumn: 4,
  layer: "fc8",
  phases: ["TRAIN"],
  confirmedByProbe: { source: "probe", verdict: "exploding", detail: "loss grew from 2.3 to 4.1e5 in 20 iterations" },
};

export const INFO: Finding = {
  ruleId: "redundant-scale-bias",
  severity: "info",
  message: "conv1 has bias_term while scale1 adds a bias",
  file: NET,
  line: 7,
  column: 3,
  layer: "conv1",
  phases: ["TRAIN", "TEST"],
};

/** The main report: findings given out of order, finalized as the engine would. */
export function mainReport(): LintReport {
  return finalizeReport({
    tool: { name: "bnlint", version: "0.1.0" },
    results: [
      { file: NET, findings: [CONFIRMED, FIXABLE, INFO], errorCount: 0, warningCount: 0, infoCount: 0 },
      { file: SOLVER, findings: [WARNING, PARSE_ERROR], errorCount: 0, warningCount: 0, infoCount: 0 },
    ],
    rules: RULES,
  });
}

/** A run that found nothing. */
export function emptyReport(): LintReport {
  return finalizeReport({
    tool: { name: "bnlint", version: "0.1.0" },
    results: [{ file: NET, findings: [], errorCount: 0, warningCount: 0, infoCount: 0 }],
    rules: RULES,
  });
}

/** A clean static run with dataset, probe and log sections filled in. */
export function sectionsReport(): LintReport {
  return finalizeReport({
    tool: { name: "bnlint", version: "0.1.0" },
    results: [],
    rules: RULES,
    datasets: [
      { source: "/project/data/train_lmdb", backend: "lmdb", phase: "TRAIN", count: 50000, shape: [3, 32, 32], labels: { min: 0, max: 9, distinct: 10 } },
      { source: "/project/data/test_lmdb", backend: "lmdb", phase: "TEST", count: 10000, shape: [3, 32, 32], labels: [0, 1, 2, 9] },
      // The dataset scan's own shape of the same facts.
      {
        source: "/project/data/val_lmdb",
        backend: "lmdb",
        phase: "TEST",
        count: 500,
        scanned: 500,
        shape: { chw: [1, 28, 28], consistent: true, mismatches: { count: 0, firstKeys: [] }, distinct: [] },
        storage: { kind: "bytes", bytes: 500, float: 0, encoded: 0, empty: 0, imageFormats: {} },
        pixels: { records: 64, min: 0, max: 255, perChannel: [] },
        labels: { histogram: { "0": 250, "1": 250 }, distinct: 2, min: 0, max: 1 },
        labelOrder: { changes: 1, expectedChanges: 250, stdChanges: 11, z: -22.6, ratio: 0.004, verdict: "unshuffled" },
      },
    ],
    probe: {
      verdict: "non-finite",
      losses: [2.3, 2.1, 5.8, 40, Number.NaN],
      firstNonFinite: { iteration: 4, layer: "bn1", blob: "bn1", pass: "backward" },
      fixRuns: [{ fix: "set use_global_stats: false in layer bn1", verdict: "ok", losses: [2.3, 2.0, 1.6, 1.2, 1.0] }],
    },
    // The shape src/log writes: non-finite values as strings, null where nothing was printed.
    log: {
      file: "/project/logs/train.log",
      verdicts: [
        { verdict: "exploding", iteration: 340, message: "loss rose 1000-fold in 40 iterations", evidenceLines: [212, 250] },
        { verdict: "non-finite", iteration: 380, layer: "fc8", pass: "backward", message: "loss became nan", evidenceLines: [261] },
      ],
      series: {
        iterations: [0, 100, 200, 300, 340, 360, 380],
        loss: [2.3, 2.2, null, 2.5, 9, 2301.5, "nan"],
        lr: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        trainOutputs: {},
        testOutputs: [{ iteration: 300, net: 0, line: 200, outputs: { accuracy: 0.1, loss: "inf" } }],
      },
      lineCount: 270,
    },
  });
}
