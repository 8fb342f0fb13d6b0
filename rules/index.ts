/** Every rule, in one static table sorted by id. Registration is this list; nothing is scanned at run time. */
import bnBatchTooSmall from "./bn-batch-too-small.js";
import bnGlobalStatsPhase from "./bn-global-stats-phase.js";
import bnStatsLrMult from "./bn-stats-lr-mult.js";
import bnWithoutScale from "./bn-without-scale.js";
import convWithoutNorm from "./conv-without-norm.js";
import dataNotShuffled from "./data-not-shuffled.js";
import datasetMissing from "./dataset-missing.js";
import datasetShapeMismatch from "./dataset-shape-mismatch.js";
import duplicateTop from "./duplicate-top.js";
import includeAndExclude from "./include-and-exclude.js";
import inputNotScaled from "./input-not-scaled.js";
import labelsNotContiguous from "./labels-not-contiguous.js";
import lmdbCorrupt from "./lmdb-corrupt.js";
import lrTooHigh from "./lr-too-high.js";
import missingLoss from "./missing-loss.js";
import numOutputOversized from "./num-output-oversized.js";
import softmaxBeforeLoss from "./softmax-before-loss.js";
import solverLrPolicy from "./solver-lr-policy.js";
import unknownBottom from "./unknown-bottom.js";
import zeroInitWeights from "./zero-init-weights.js";
import type { Rule } from "./types.js";

export const rules: readonly Rule[] = [
  bnBatchTooSmall,
  bnGlobalStatsPhase,
  bnStatsLrMult,
  bnWithoutScale,
  convWithoutNorm,
  dataNotShuffled,
  datasetMissing,
  datasetShapeMismatch,
  duplicateTop,
  includeAndExclude,
  inputNotScaled,
  labelsNotContiguous,
  lmdbCorrupt,
  lrTooHigh,
  missingLoss,
  numOutputOversized,
  softmaxBeforeLoss,
  solverLrPolicy,
  unknownBottom,
  zeroInitWeights,
];

export type { Rule, RuleContext, RuleDocs, RuleReport } from "./types.js";
