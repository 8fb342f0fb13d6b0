import { bool, sub } from "../src/model/access.js";
import { nextLayers } from "./graph.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "noScale" | "scaleWithoutBias";

export default defineRule<MessageId>({
  meta: {
    id: "bn-without-scale",
    category: "suggestion",
    description: "Follow each BatchNorm with a Scale layer that has a bias",
    defaultSeverity: "info",
    fixable: false,
    messages: {
      noScale: "BatchNorm '{{layer}}' is not followed by a Scale layer: Caffe's BatchNorm has no learnable scale or shift, so this layer's output is forced to zero mean and unit variance",
      scaleWithoutBias: "Scale layer '{{scale}}' after BatchNorm '{{layer}}' has no bias (bias_term: false): the normalised output cannot learn a shift",
    },
    docs: {
      whatItDoes: "Reports a BatchNorm layer whose output does not go through a Scale layer with `bias_term: true`.",
      whyIsThisBad:
        "Caffe's BatchNorm only normalises; the learnable gamma and beta of the batch-normalisation paper live in a separate Scale layer. Without it every normalised channel is pinned to zero mean and unit variance, which limits what the next layer can learn. Many published nets train fine without it, so this is advice, not a fault.",
      example: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: adding a Scale layer adds parameters that pretrained weights would not have.",
      references: [
        "BVLC/caffe include/caffe/layers/batch_norm_layer.hpp (class comment: follow with a ScaleLayer with bias_term to learn the scale and shift)",
      ],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      for (const layer of net.layers) {
        if (layer.type !== "BatchNorm") continue;
        const next = nextLayers(net, layer);
        const scale = next.find((l) => l.type === "Scale");
        if (!scale) {
          // A Bias layer alone still lets the output shift; only report when neither follows.
          if (next.some((l) => l.type === "Bias")) continue;
          reports.push({ messageId: "noScale", data: { layer: layer.name }, node: layer.param, field: "type", layer: layer.name, phases: [phase] });
          continue;
        }
        const hasBias = bool(sub(scale.param, "scale_param"), "bias_term", false) || nextLayers(net, scale).some((l) => l.type === "Bias");
        if (!hasBias) {
          reports.push({ messageId: "scaleWithoutBias", data: { layer: layer.name, scale: scale.name }, node: scale.param, field: "type", layer: scale.name, phases: [phase] });
        }
      }
    }
    return reports;
  },
});
