import { bool, num, sub } from "../src/model/access.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";
import type { PlainMessage } from "../src/schema/types.js";
import { removeField, replaceValue } from "./fix.js";

type MessageId = "globalInTrain" | "globalInTrainPretrained" | "batchInTest";

/**
 * bn-global-stats-phase: BatchNorm's use_global_stats set against its phase.
 * Caffe's default (use_global_stats = phase == TEST) is right in both phases,
 * so the fix removes an explicit setting when the layer serves both phases.
 */
export default defineRule<MessageId>({
  meta: {
    id: "bn-global-stats-phase",
    category: "problem",
    description: "Use batch statistics in TRAIN and stored statistics in TEST for BatchNorm",
    defaultSeverity: "error",
    fixable: true,
    messages: {
      globalInTrain:
        "BatchNorm '{{layer}}' uses global statistics in TRAIN (use_global_stats: true) but nothing loads them: its mean, variance and factor blobs start at zero, so it scales activations by 1/sqrt(eps) ≈ {{gain}} and the loss saturates at 87.3365, then NaN",
      globalInTrainPretrained:
        "BatchNorm '{{layer}}' is frozen in TRAIN (use_global_stats: true) with statistics loaded from {{source}}: fine for fine-tuning, but the statistics never adapt to the new data",
      batchInTest:
        "BatchNorm '{{layer}}' uses the statistics of each test batch (use_global_stats: false in TEST): results depend on the batch, and with batch size 1 the output is meaningless",
    },
    docs: {
      whatItDoes:
        "Checks the `use_global_stats` setting of every BatchNorm layer against the phase it runs in: `true` in the TRAIN phase, or `false` in the TEST phase.",
      whyIsThisBad:
        "With `use_global_stats: true` Caffe normalises with the stored running statistics instead of the batch's. At the start of training those blobs are all zero (the scale factor too), so the layer divides by sqrt(eps) and multiplies activations by about 316. The softmax saturates, SoftmaxWithLoss clamps the probability at FLT_MIN and the loss reads 87.3365 (or k/N of it when k of N samples saturate) until it turns NaN a few iterations later. In TEST, `false` normalises each test batch by its own statistics, so accuracy depends on the batch composition and a batch of one gives zeros. When pretrained weights are loaded, freezing BatchNorm in TRAIN is a legitimate fine-tuning choice and is reported as info.",
      example: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 8 dim: 3 dim: 8 dim: 8 } shape { dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1"
  batch_norm_param { use_global_stats: true } }
layer { name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip"
  inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 8 dim: 3 dim: 8 dim: 8 } shape { dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip"
  inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety:
        "Safe. When the layer runs in both phases the fix removes `use_global_stats`, so Caffe's default applies (batch statistics in TRAIN, stored ones in TEST); for a layer of one phase it writes the value that phase needs. It changes behaviour only in the phase that was wrong.",
      references: [
        "BVLC/caffe src/caffe/layers/batch_norm_layer.cpp, BatchNormLayer::LayerSetUp (use_global_stats defaults to phase == TEST; blobs filled with 0) and Forward_cpu (scale factor 0 when the stored factor is 0; divides by sqrt(variance + eps))",
        "BVLC/caffe src/caffe/layers/softmax_loss_layer.cpp, SoftmaxWithLossLayer::Forward_cpu (log(max(prob, FLT_MIN)))",
      ],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      for (const layer of net.layers) {
        if (layer.type !== "BatchNorm") continue;
        const bnParam = sub(layer.param, "batch_norm_param");
        const explicit = bool(bnParam, "use_global_stats");
        // Unset means Caffe's default, which is right in both phases.
        if (explicit === undefined || !bnParam) continue;
        const inBothPhases = Object.values(context.model?.phases ?? {}).every((p) => p.layers.some((l) => l.index === layer.index));
        const fixEdits = inBothPhases
          ? removeField(context.file, bnParam, "use_global_stats")
          : replaceValue(context.file, bnParam, "use_global_stats", phase === "TRAIN" ? "false" : "true");
        const fixText = inBothPhases
          ? `remove 'use_global_stats: ${explicit}' from layer '${layer.name}' (Caffe then uses batch statistics in TRAIN and stored ones in TEST)`
          : `set 'use_global_stats: ${phase === "TRAIN" ? "false" : "true"}' in layer '${layer.name}'`;
        if (phase === "TRAIN" && explicit) {
          const pretrained = context.pretrainedFrom;
          reports.push({
            messageId: pretrained ? "globalInTrainPretrained" : "globalInTrain",
            data: { layer: layer.name, gain: Math.round(1 / Math.sqrt(epsOf(bnParam))), source: pretrained ?? "" },
            node: bnParam,
            field: "use_global_stats",
            layer: layer.name,
            phases: [phase],
            ...(pretrained ? { severity: "info" as const } : {}),
            fix: { description: fixText, edits: fixEdits },
          });
        } else if (phase === "TEST" && !explicit && context.model?.kind !== "train") {
          // A net without phase rules is usually only a training net; judge TEST only for nets that have one.
          reports.push({
            messageId: "batchInTest",
            data: { layer: layer.name },
            node: bnParam,
            field: "use_global_stats",
            layer: layer.name,
            phases: [phase],
            severity: "warning",
            fix: { description: fixText, edits: fixEdits },
          });
        }
      }
    }
    return reports;
  },
});

/** BatchNorm's eps (default 1e-5, as in caffe.proto). */
function epsOf(bnParam: PlainMessage): number {
  const eps = num(bnParam, "eps", 1e-5);
  return eps > 0 ? eps : 1e-5;
}
