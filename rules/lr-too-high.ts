import { bool, num, nums, str, sub } from "../src/model/access.js";
import type { PhaseNet } from "../src/model/types.js";
import { batchSize, lossLayers, usesBatchNorm, weightedDepth } from "./graph.js";
import { f32, momentum, solverType } from "./solver-fields.js";
import { defineRule } from "./types.js";
import { replaceValue } from "./fix.js";
import type { RuleReport } from "./types.js";

type MessageId = "tooHigh";

/**
 * Largest sensible step per solver family. For SGD and Nesterov it is the
 * effective step base_lr / (1 - momentum), calibrated on published Caffe nets:
 * LeNet and AlexNet train at 0.01 with momentum 0.9 (effective 0.1) and
 * diverge well before 10x that; ResNet with BatchNorm trains at 0.1 (1.0).
 * Adaptive solvers normalise the gradient, so their base_lr is the step itself
 * (Adam's usual 0.001, AdaDelta's usual 1.0).
 */
const LIMITS = {
  sgdWithNorm: 10,
  sgdShallow: 1,
  sgdDeep: 0.5,
  Adam: 0.01,
  RMSProp: 0.01,
  AdaGrad: 0.1,
  AdaDelta: 10,
} as const;

/** Weighted layers beyond which an un-normalised net is "deep". */
const DEEP_NET = 8;
/** Batch size the SGD limits were calibrated at; smaller batches get a proportionally lower limit. */
const REFERENCE_BATCH = 32;

export default defineRule<MessageId>({
  meta: {
    id: "lr-too-high",
    category: "problem",
    description: "Keep base_lr within what the solver, depth, normalisation and batch size tolerate",
    defaultSeverity: "warning",
    fixable: true,
    messages: {
      tooHigh: "base_lr {{lr}} is too high for {{reason}}: {{measure}} is {{value}}, above the {{limit}} such nets tolerate; expect the loss to jump to 87.3365 and then NaN. Try base_lr {{suggested}}",
    },
    docs: {
      whatItDoes:
        "Compares the solver's `base_lr` with a limit that depends on the solver type (for SGD and Nesterov, the effective step base_lr / (1 - momentum)), on the train net's depth and normalisation (BatchNorm tolerates rates about 10x higher), on the batch size (small batches get a proportionally lower limit), and on the loss normalisation and loss weights. The message shows the limit and how it was reached.",
      whyIsThisBad:
        "Too large a step overshoots: weights grow by orders of magnitude within a few iterations, the logits overflow, SoftmaxWithLoss reports 87.3365 (the FLT_MIN clamp) for the saturated samples, and the loss becomes NaN. Everything after that is wasted compute.",
      example: `net: "train_val.prototxt"
base_lr: 1.0
lr_policy: "fixed"
momentum: 0.9
max_iter: 10000
`,
      useInstead: `net: "train_val.prototxt"
base_lr: 0.01
lr_policy: "fixed"
momentum: 0.9
max_iter: 10000
`,
      exampleKind: "solver",
      options: "None.",
      fixSafety: "The fix writes the suggested base_lr; a lower rate trains slower but does not change the model. The limits are heuristics: the training probe confirms or refutes the finding.",
      references: ["BVLC/caffe src/caffe/solvers/sgd_solver.cpp, SGDSolver::ComputeUpdateValue (history = momentum * history + lr * diff)", "Goyal et al. 2017 (linear scaling of the learning rate with batch size)"],
    },
  },
  check(context) {
    const solver = context.solver?.solver;
    const train = context.model?.phases.TRAIN;
    if (!solver || !train) return [];
    const lr = num(solver, "base_lr");
    if (lr === undefined || lr <= 0) return [];
    const judged = judge(solver, train);
    if (!judged || judged.value <= judged.limit) return [];
    const suggested = roundDown((lr * judged.limit) / judged.value / 2);
    const report: RuleReport<MessageId> = {
      messageId: "tooHigh",
      data: { lr: f32(lr), reason: judged.reason, measure: judged.measure, value: fmt(judged.value), limit: fmt(judged.limit), suggested },
      node: solver,
      field: "base_lr",
      phases: ["TRAIN"],
      file: context.solver!.file,
      fix: { description: `set 'base_lr: ${suggested}'`, edits: replaceValue(context.solver!.file, solver, "base_lr", suggested) },
    };
    return [report];
  },
});

function judge(solver: import("../src/schema/types.js").PlainMessage, train: PhaseNet) {
  const type = solverType(solver);
  const lr = num(solver, "base_lr", 0);
  const gradientScale = lossScale(train);
  // A loss summed over pixels without known shapes cannot be judged.
  if (gradientScale === undefined) return undefined;
  if (type === "SGD" || type === "Nesterov") {
    const m = momentum(solver);
    const depth = weightedDepth(train);
    const bn = usesBatchNorm(train);
    const base = bn ? LIMITS.sgdWithNorm : depth > DEEP_NET ? LIMITS.sgdDeep : LIMITS.sgdShallow;
    const batch = batchSize(train);
    const batchFactor = batch !== undefined ? Math.min(1, batch / REFERENCE_BATCH) : 1;
    const parts = [`${type} with momentum ${f32(m)}`, `${depth} weighted layers`, bn ? "BatchNorm" : "no normalisation"];
    if (batch !== undefined) parts.push(`batch ${batch}`);
    if (gradientScale !== 1) parts.push(`losses scaling gradients by ${fmt(gradientScale)}`);
    return {
      reason: parts.join(", "),
      measure: "the effective step base_lr / (1 - momentum)" + (gradientScale !== 1 ? " times the gradient scale" : ""),
      value: (lr / Math.max(1 - m, 1e-6)) * gradientScale,
      limit: base * batchFactor,
    };
  }
  const limit = LIMITS[type as keyof typeof LIMITS];
  if (typeof limit !== "number") return undefined;
  return { reason: `the ${type} solver`, measure: "base_lr", value: lr, limit };
}

/**
 * How much the losses scale gradients relative to a per-sample mean: the
 * largest loss weight, times the number of positions a spatial SoftmaxWithLoss
 * sums over when normalisation is off (FCN-style nets use tiny rates for this).
 */
function lossScale(train: PhaseNet): number | undefined {
  let scale = 0;
  for (const layer of lossLayers(train)) {
    const weight = Math.max(...(nums(layer.param, "loss_weight").length > 0 ? nums(layer.param, "loss_weight") : [1]));
    let positions = 1;
    const lossParam = sub(layer.param, "loss_param");
    const unnormalised = str(lossParam, "normalization") === "NONE" || bool(lossParam, "normalize") === false;
    if (unnormalised && layer.type === "SoftmaxWithLoss") {
      const shape = layer.bottomShapes[0];
      if (!shape) return undefined;
      positions = shape.slice(2).reduce((a, b) => a * b, 1);
    }
    scale = Math.max(scale, weight * positions);
  }
  return scale || 1;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/** A round number at or below x: 1, 2 or 5 times a power of ten. */
function roundDown(x: number): string {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const m = x / p;
  const r = m >= 5 ? 5 : m >= 2 ? 2 : 1;
  return Number((r * p).toPrecision(2)).toString();
}
