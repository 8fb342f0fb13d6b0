import { num, sub } from "../src/model/access.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "paramsPerInput" | "paramsPerSample" | "widening";

/**
 * Parameters per input value above which a net is out of proportion to what it
 * sees. Published nets stay far below: LeNet ~550, AlexNet ~390, VGG-16 ~920,
 * the MNIST autoencoder ~2,000.
 */
const MAX_PARAMS_PER_INPUT = 20_000;
/** Parameters per training sample above which a net trained from scratch memorises (AlexNet/ImageNet: ~50). */
const MAX_PARAMS_PER_SAMPLE = 1_000;
/** A fully connected layer wider than this many times its input, and at least MIN_WIDE outputs, is flagged. */
const MAX_WIDENING = 16;
const MIN_WIDE = 4096;

export default defineRule<MessageId>({
  meta: {
    id: "num-output-oversized",
    category: "suggestion",
    description: "Size the net to its input and its training data",
    defaultSeverity: "warning",
    fixable: false,
    messages: {
      paramsPerInput: "The net has {{params}} learnable parameters for an input of {{inputs}} values ({{ratio}} per input value, more than {{limit}}): far more capacity than the input can use; the largest layer is '{{layer}}' ({{layerParams}})",
      paramsPerSample: "The net has {{params}} learnable parameters for {{samples}} training samples ({{ratio}} per sample, more than {{limit}}): trained from scratch it will memorise the data or fail to converge",
      widening: "InnerProduct '{{layer}}' widens {{inputs}} inputs to num_output {{outputs}} ({{ratio}}x): {{layerParams}} parameters that the data cannot constrain",
    },
    docs: {
      whatItDoes:
        `Compares the TRAIN net's learnable parameters with its input size (more than ${MAX_PARAMS_PER_INPUT.toLocaleString("en-US")} per input value), with the number of training samples when the dataset is known (more than ${MAX_PARAMS_PER_SAMPLE.toLocaleString("en-US")} per sample, unless pretrained weights are loaded), and reports fully connected layers with num_output over ${MIN_WIDE} that widen their input more than ${MAX_WIDENING}x.`,
      whyIsThisBad:
        "A `num_output` far too large for the data gives a model that memorises its training set, or whose huge fully connected layers dominate the gradient and make the loss jump. The usual symptom is a training loss that falls while the test accuracy stays at chance, or a loss that oscillates and diverges at learning rates that work for a smaller net.",
      example: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 64 dim: 1 dim: 28 dim: 28 } shape { dim: 64 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 100000 weight_filler { type: "xavier" } } }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 64 dim: 1 dim: 28 dim: 28 } shape { dim: 64 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 500 weight_filler { type: "xavier" } } }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: the right size depends on the task.",
      references: ["BVLC/caffe src/caffe/layers/inner_product_layer.cpp, InnerProductLayer::LayerSetUp (weight blob num_output x K)"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      // Capacity is a training question; deploy nets are checked only for their shape.
      if (phase !== "TRAIN" && context.model?.kind !== "deploy") continue;
      for (const layer of net.layers) {
        if (layer.type !== "InnerProduct") continue;
        const outputs = num(sub(layer.param, "inner_product_param"), "num_output");
        const bottom = layer.bottomShapes[0];
        if (outputs === undefined || !bottom || outputs < MIN_WIDE) continue;
        const inputs = bottom.slice(Math.max(1, num(sub(layer.param, "inner_product_param"), "axis", 1))).reduce((a, b) => a * b, 1);
        if (outputs / inputs <= MAX_WIDENING) continue;
        reports.push({ messageId: "widening", data: { layer: layer.name, inputs, outputs, ratio: Math.round(outputs / inputs), layerParams: (layer.paramCount ?? 0).toLocaleString("en-US") }, node: sub(layer.param, "inner_product_param")!, field: "num_output", layer: layer.name, phases: [phase] });
      }
      const params = net.paramCount;
      const input = net.layers.find((l) => l.topShapes[0] && (l.type === "Input" || l.type.endsWith("Data")))?.topShapes[0];
      if (!params || !input || input.length < 2) continue;
      const inputs = input.slice(1).reduce((a, b) => a * b, 1);
      const largest = [...net.layers].sort((a, b) => (b.paramCount ?? 0) - (a.paramCount ?? 0))[0]!;
      const already = reports.some((r) => r.messageId === "widening");
      if (!already && inputs > 0 && params / inputs > MAX_PARAMS_PER_INPUT) {
        reports.push({ messageId: "paramsPerInput", data: { params: params.toLocaleString("en-US"), inputs, ratio: Math.round(params / inputs).toLocaleString("en-US"), limit: MAX_PARAMS_PER_INPUT.toLocaleString("en-US"), layer: largest.name, layerParams: (largest.paramCount ?? 0).toLocaleString("en-US") }, node: largest.param, field: "type", layer: largest.name, phases: [phase] });
      }
      const samples = context.trainingSamples;
      if (samples && !context.pretrainedFrom && params / samples > MAX_PARAMS_PER_SAMPLE) {
        reports.push({ messageId: "paramsPerSample", data: { params: params.toLocaleString("en-US"), samples: samples.toLocaleString("en-US"), ratio: Math.round(params / samples).toLocaleString("en-US"), limit: MAX_PARAMS_PER_SAMPLE.toLocaleString("en-US") }, node: largest.param, field: "type", layer: largest.name, phases: [phase] });
      }
    }
    return reports;
  },
});
