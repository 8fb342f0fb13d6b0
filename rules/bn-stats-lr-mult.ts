import { num, subs } from "../src/model/access.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";
import { removeField } from "./fix.js";
import { f32 } from "./solver-fields.js";

type MessageId = "trainedStats" | "resetByCaffe";

const BLOB_NAMES = ["mean", "variance", "scale factor"];

export default defineRule<MessageId>({
  meta: {
    id: "bn-stats-lr-mult",
    category: "problem",
    description: "Keep the learning rate of BatchNorm's statistics at zero",
    defaultSeverity: "error",
    fixable: true,
    messages: {
      trainedStats:
        "BatchNorm '{{layer}}' gives its {{blob}} blob lr_mult {{lrMult}}: Caffe ≥ 1.0 refuses this (\"Cannot configure batch normalization statistics as layer parameters\"), and older forks let the solver overwrite the running statistics with gradient steps",
      resetByCaffe:
        "BatchNorm '{{layer}}' gives its {{blob}} blob lr_mult {{lrMult}}: Caffe ≥ 1.0 silently resets all three to 0 when it upgrades the net, but older Caffe and forks train the running statistics like weights, and the TEST output drifts",
    },
    docs: {
      whatItDoes:
        "Reports `param { }` blocks of a BatchNorm layer whose `lr_mult` is not 0 (an omitted `lr_mult` means 1): an error when Caffe refuses the net, a warning for exactly three blocks, which current Caffe resets to 0 itself while older builds and forks train them.",
      whyIsThisBad:
        "BatchNorm's three blobs are running statistics (mean, variance and a scale factor), not weights. Current Caffe adds `lr_mult: 0` for them itself and stops with a fatal error when a `param` block says otherwise. Older Caffe and some forks train them like weights: weight decay and gradient noise drift the statistics, and the TEST-phase output no longer matches what was learnt. Old tutorials copied `param { lr_mult: 0 }` three times; any other value is a bug.",
      example: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "bn1" type: "BatchNorm" bottom: "data" top: "bn1"
  param { lr_mult: 1 } param { lr_mult: 1 } param { lr_mult: 1 } }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "bn1" type: "BatchNorm" bottom: "data" top: "bn1" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "Safe: the fix removes the layer's `param` blocks, which current Caffe fills with `lr_mult: 0` itself.",
      references: ["BVLC/caffe src/caffe/layers/batch_norm_layer.cpp, BatchNormLayer::LayerSetUp (adds lr_mult 0 ParamSpecs; CHECK_EQ(lr_mult, 0))"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    const written = new Map(subs(context.model?.original, "layer").filter((l) => l["type"] === "BatchNorm").map((l) => [l["name"], l]));
    for (const [phase, net] of phaseNets(context)) {
      for (const layer of net.layers) {
        if (layer.type !== "BatchNorm") continue;
        // Caffe's UpgradeNetBatchNorm rewrites exactly three param blocks to lr_mult 0; judge what was written
        // (found by name: an upgrade may add layers, e.g. an Input layer for deprecated net inputs).
        const original = written.get(layer.name) ?? layer.param;
        const specs = subs(original, "param");
        const resetByCaffe = specs.length === 3;
        specs.forEach((spec, i) => {
          const lrMult = num(spec, "lr_mult", 1);
          if (lrMult === 0) return;
          reports.push({
            messageId: resetByCaffe ? "resetByCaffe" : "trainedStats",
            data: { layer: layer.name, blob: BLOB_NAMES[i] ?? `#${i}`, lrMult: f32(lrMult) },
            node: original,
            field: "param",
            fieldIndex: i,
            layer: layer.name,
            phases: [phase],
            ...(resetByCaffe ? { severity: "warning" as const } : {}),
            fix: { description: `remove the param { } blocks of layer '${layer.name}' (Caffe fixes lr_mult: 0 for BatchNorm statistics)`, edits: removeField(context.file, original, "param") },
          });
        });
      }
    }
    return reports;
  },
});
