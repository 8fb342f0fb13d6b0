import { num, str, sub, subs } from "../src/model/access.js";
import { defineRule, phaseNets } from "./types.js";
import { insertField } from "./fix.js";
import type { RuleReport } from "./types.js";

type MessageId = "noFiller" | "constantZero";

const PARAM_FIELD: Record<string, string> = {
  Convolution: "convolution_param",
  Deconvolution: "convolution_param",
  InnerProduct: "inner_product_param",
};

export default defineRule<MessageId>({
  meta: {
    id: "zero-init-weights",
    category: "problem",
    description: "Give trainable Convolution and InnerProduct layers a weight_filler",
    defaultSeverity: "warning",
    fixable: true,
    messages: {
      noFiller:
        "{{type}} '{{layer}}' has no weight_filler, so Caffe fills its weights with 0: every unit computes the same thing, gradients to earlier layers are zero, and the net learns nothing but biases",
      constantZero: "{{type}} '{{layer}}' fills its weights with the constant 0: every unit stays identical and earlier layers get no gradient",
    },
    docs: {
      whatItDoes:
        "Reports a trainable Convolution, Deconvolution or InnerProduct layer of a training net with no `weight_filler` (or a constant filler of 0). Deploy nets are skipped: their weights come from a .caffemodel. With pretrained weights the finding is info, since Caffe copies the weights of layers whose names match.",
      whyIsThisBad:
        "A missing filler means FillerParameter's defaults: type \"constant\", value 0. All weights equal zero, so all units of the layer compute the same output and receive the same update (the symmetry is never broken), and the gradient passed to earlier layers is exactly zero. The loss barely moves from ln(classes).",
      example: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 4 dim: 10 } shape { dim: 4 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 16 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 4 dim: 10 } shape { dim: 4 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 16 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "The fix adds `weight_filler { type: \"xavier\" }` (msra suits ReLU nets too); it changes only the initial weights of a net trained from scratch.",
      references: ["BVLC/caffe src/caffe/proto/caffe.proto, FillerParameter (type default \"constant\", value default 0)", "BVLC/caffe include/caffe/filler.hpp, GetFiller"],
    },
  },
  check(context) {
    if (context.model?.kind === "deploy") return [];
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      if (phase !== "TRAIN") continue;
      for (const layer of net.layers) {
        const field = PARAM_FIELD[layer.type];
        if (!field) continue;
        // A frozen layer (lr_mult 0) keeps whatever it was given on purpose.
        if (num(subs(layer.param, "param")[0], "lr_mult", 1) === 0) continue;
        const p = sub(layer.param, field);
        const filler = sub(p, "weight_filler");
        const type = str(filler, "type", "constant");
        if (filler && (type !== "constant" || num(filler, "value", 0) !== 0)) continue;
        reports.push({
          messageId: filler ? "constantZero" : "noFiller",
          data: { type: layer.type, layer: layer.name },
          node: p ?? layer.param,
          field: filler ? "weight_filler" : p ? "num_output" : "type",
          layer: layer.name,
          phases: [phase],
          ...(context.pretrainedFrom ? { severity: "info" as const } : {}),
          fix: filler
            ? { description: `use a random filler, e.g. 'weight_filler { type: "xavier" }', in layer '${layer.name}'` }
            : { description: `add 'weight_filler { type: "xavier" }' to ${field} of layer '${layer.name}'`, ...(p ? { edits: insertField(context.file, p, 'weight_filler { type: "xavier" }', context.sourceLines) } : {}) },
        });
      }
    }
    return reports;
  },
});
