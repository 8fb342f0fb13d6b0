import { bool, sub } from "../src/model/access.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "single" | "few";

/** Values per channel below which batch statistics are mostly noise. */
const MIN_VALUES_PER_CHANNEL = 16;

export default defineRule<MessageId>({
  meta: {
    id: "bn-batch-too-small",
    category: "problem",
    description: "Give BatchNorm enough values per channel to estimate batch statistics",
    defaultSeverity: "warning",
    fixable: false,
    messages: {
      single: "BatchNorm '{{layer}}' normalises over a single value per channel (batch {{batch}}, {{spatial}} positions): x - mean(x) is exactly 0, so the layer outputs zeros and nothing below it learns",
      few: "BatchNorm '{{layer}}' estimates its statistics from {{count}} values per channel (batch {{batch}} x {{spatial}} positions): the normalisation is mostly noise and the running statistics used at test time will not match training",
    },
    docs: {
      whatItDoes: `Reports a TRAIN-phase BatchNorm that uses batch statistics over fewer than ${MIN_VALUES_PER_CHANNEL} values per channel (batch size times spatial positions at its input), as far as shapes are known.`,
      whyIsThisBad:
        "In TRAIN, BatchNorm subtracts the mean over the batch and spatial positions of each channel. With one value per channel (batch 1 after a fully connected layer) the output is exactly zero; with a handful the statistics are noise, the gradients with them, and the test-time running averages describe a different distribution than the one the net was trained on.",
      example: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 1 dim: 16 } shape { dim: 1 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 8 weight_filler { type: "xavier" } } }
layer { name: "bn1" type: "BatchNorm" bottom: "ip1" top: "ip1" }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 32 dim: 16 } shape { dim: 32 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 8 weight_filler { type: "xavier" } } }
layer { name: "bn1" type: "BatchNorm" bottom: "ip1" top: "ip1" }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: raise the batch size (with iter_size to keep memory) or freeze the statistics when fine-tuning.",
      references: ["BVLC/caffe src/caffe/layers/batch_norm_layer.cpp, BatchNormLayer::Forward_cpu (mean and variance over num and spatial_dim)"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      if (phase !== "TRAIN") continue;
      for (const layer of net.layers) {
        if (layer.type !== "BatchNorm") continue;
        // With global statistics the batch does not matter (bn-global-stats-phase judges that setting).
        if (bool(sub(layer.param, "batch_norm_param"), "use_global_stats", false)) continue;
        const shape = layer.bottomShapes[0];
        if (!shape || shape.length < 2) continue;
        const spatial = shape.slice(2).reduce((a, b) => a * b, 1);
        const count = shape[0]! * spatial;
        if (count >= MIN_VALUES_PER_CHANNEL) continue;
        reports.push({
          messageId: count <= 1 ? "single" : "few",
          data: { layer: layer.name, batch: shape[0]!, spatial, count },
          node: layer.param,
          field: "type",
          layer: layer.name,
          phases: [phase],
          ...(count <= 1 ? { severity: "error" as const } : {}),
        });
      }
    }
    return reports;
  },
});
