import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";
import { NORM_TYPES, producerBefore } from "./graph.js";
import type { LayerNode, PhaseNet } from "../src/model/types.js";

type MessageId = "longChain";

/** Convolutions in a row without normalisation before the rule speaks. */
const DEFAULT_MIN_CHAIN = 5;

/** Layers that pass activations through without normalising them. */
const TRANSPARENT = new Set(["ReLU", "PReLU", "ELU", "TanH", "Sigmoid", "Pooling", "Dropout", "Power", "AbsVal", "Split", "Concat", "Eltwise", "Scale", "Bias", "Crop"]);

export default defineRule<MessageId>({
  meta: {
    id: "conv-without-norm",
    category: "suggestion",
    description: "Normalise between long chains of convolutions",
    defaultSeverity: "info",
    fixable: false,
    messages: {
      longChain:
        "{{count}} convolutions in a row end at '{{layer}}' with no normalisation between them (from '{{first}}'): deep un-normalised stacks are sensitive to initialisation and learning rate; consider BatchNorm + Scale after each convolution",
    },
    docs: {
      whatItDoes: `Follows the data flow of the TRAIN net and reports a convolution reached through ${DEFAULT_MIN_CHAIN} or more convolutions (including itself) with no BatchNorm, LRN or MVN between them.`,
      whyIsThisBad:
        "Without normalisation the scale of activations and gradients changes multiplicatively from layer to layer. In deep stacks a slightly wrong initialisation or a learning rate a little too high makes them explode (loss 87.3365, then NaN) or vanish (loss stuck at ln(classes)). BatchNorm followed by Scale after each convolution keeps every layer's input well scaled. VGG-style nets do train without it, with careful initialisation and a low rate, so this is advice.",
      example: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 32 dim: 32 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r1" type: "ReLU" bottom: "c1" top: "c1" }
layer { name: "c2" type: "Convolution" bottom: "c1" top: "c2" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r2" type: "ReLU" bottom: "c2" top: "c2" }
layer { name: "c3" type: "Convolution" bottom: "c2" top: "c3" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r3" type: "ReLU" bottom: "c3" top: "c3" }
layer { name: "c4" type: "Convolution" bottom: "c3" top: "c4" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r4" type: "ReLU" bottom: "c4" top: "c4" }
layer { name: "c5" type: "Convolution" bottom: "c4" top: "c5" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 32 dim: 32 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r1" type: "ReLU" bottom: "c1" top: "c1" }
layer { name: "c2" type: "Convolution" bottom: "c1" top: "c2" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r2" type: "ReLU" bottom: "c2" top: "c2" }
layer { name: "c3" type: "Convolution" bottom: "c2" top: "c3" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "bn3" type: "BatchNorm" bottom: "c3" top: "c3" }
layer { name: "s3" type: "Scale" bottom: "c3" top: "c3" scale_param { bias_term: true } }
layer { name: "r3" type: "ReLU" bottom: "c3" top: "c3" }
layer { name: "c4" type: "Convolution" bottom: "c3" top: "c4" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r4" type: "ReLU" bottom: "c4" top: "c4" }
layer { name: "c5" type: "Convolution" bottom: "c4" top: "c5" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
`,
      exampleKind: "net",
      options: `minChain (number, default ${DEFAULT_MIN_CHAIN}): how many convolutions in a row are reported.`,
      fixSafety: "No automatic fix: adding layers changes the model and its weights.",
      references: ["Ioffe & Szegedy 2015, Batch Normalization; BVLC/caffe include/caffe/layers/batch_norm_layer.hpp"],
    },
  },
  check(context) {
    const minChain = typeof context.options["minChain"] === "number" ? (context.options["minChain"] as number) : DEFAULT_MIN_CHAIN;
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      // Normalisation matters for training: judge the TRAIN net, or the only net of a deploy file.
      if (phase !== "TRAIN" && context.model?.phases.TRAIN) continue;
      const chain = convChains(net);
      // Report only the end of each chain: the longest run from each first convolution.
      const longest = new Map<LayerNode, LayerNode>();
      for (const layer of net.layers) {
        const info = chain.get(layer);
        if (layer.type !== "Convolution" || !info || info.length < minChain) continue;
        const best = longest.get(info.first);
        if (!best || chain.get(best)!.length < info.length) longest.set(info.first, layer);
      }
      for (const layer of longest.values()) {
        const info = chain.get(layer)!;
        reports.push({ messageId: "longChain", data: { count: info.length, layer: layer.name, first: info.first.name }, node: layer.param, field: "type", layer: layer.name, phases: [phase] });
      }
    }
    return reports;
  },
});

/** For each layer: the longest run of un-normalised convolutions ending at its output. */
function convChains(net: PhaseNet): Map<LayerNode, { length: number; first: LayerNode }> {
  const result = new Map<LayerNode, { length: number; first: LayerNode }>();
  for (const layer of net.layers) {
    if (NORM_TYPES.has(layer.type)) continue;
    if (layer.type !== "Convolution" && !TRANSPARENT.has(layer.type)) continue;
    let best: { length: number; first: LayerNode } | undefined;
    layer.bottoms.forEach((_, i) => {
      const from = producerBefore(net, layer, i);
      const info = from ? result.get(from) : undefined;
      if (info && (!best || info.length > best.length)) best = info;
    });
    if (layer.type === "Convolution") result.set(layer, { length: (best?.length ?? 0) + 1, first: best?.first ?? layer });
    else if (best) result.set(layer, best);
  }
  return result;
}
