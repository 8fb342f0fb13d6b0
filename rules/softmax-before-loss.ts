import { producerBefore } from "./graph.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "doubleSoftmax" | "doubleSigmoid";

/** Loss layers that apply their own squashing, and the layer type that must not precede them. */
const SQUASHING_LOSSES: Record<string, { before: string; messageId: MessageId }> = {
  SoftmaxWithLoss: { before: "Softmax", messageId: "doubleSoftmax" },
  SigmoidCrossEntropyLoss: { before: "Sigmoid", messageId: "doubleSigmoid" },
};

export default defineRule<MessageId>({
  meta: {
    id: "softmax-before-loss",
    category: "problem",
    description: "Feed raw scores, not probabilities, to SoftmaxWithLoss",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      doubleSoftmax:
        "SoftmaxWithLoss '{{loss}}' reads the output of Softmax '{{layer}}': it applies softmax again, to values in [0, 1], so every class gets nearly the same probability and the loss sticks near ln(classes)",
      doubleSigmoid:
        "SigmoidCrossEntropyLoss '{{loss}}' reads the output of Sigmoid '{{layer}}': it applies the sigmoid again, squashing everything near 0.5-0.73, and learning stalls",
    },
    docs: {
      whatItDoes: "Reports a SoftmaxWithLoss whose score input comes from a Softmax layer (or a SigmoidCrossEntropyLoss fed by a Sigmoid).",
      whyIsThisBad:
        "SoftmaxWithLoss computes the softmax itself, for numerical stability. Given probabilities, it squashes values in [0, 1] a second time: the outputs differ by at most a factor e, the gradients are tiny, and the loss sits near ln(classes) (2.30 for 10 classes) for ever. Use a Softmax layer only in the deploy net, or with MultinomialLogisticLoss.",
      example: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 4 dim: 10 } shape { dim: 4 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "prob" bottom: "label" top: "loss" }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 4 dim: 10 } shape { dim: 4 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: removing the Softmax may break a TEST-phase consumer of its output.",
      references: ["BVLC/caffe src/caffe/layers/softmax_loss_layer.cpp, SoftmaxWithLossLayer::LayerSetUp (internal SoftmaxLayer)"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      for (const layer of net.layers) {
        const rule = SQUASHING_LOSSES[layer.type];
        if (!rule) continue;
        const producer = producerBefore(net, layer, 0);
        if (producer?.type !== rule.before) continue;
        reports.push({ messageId: rule.messageId, data: { loss: layer.name, layer: producer.name }, node: layer.param, field: "bottom", fieldIndex: 0, layer: layer.name, phases: [phase] });
      }
    }
    return reports;
  },
});
