import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "duplicateTop";

export default defineRule<MessageId>({
  meta: {
    id: "duplicate-top",
    category: "problem",
    description: "Give each produced blob one producer, except in-place layers",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      duplicateTop:
        "Layer '{{layer}}' writes blob '{{blob}}', already produced by layer '{{earlier}}', without reading it at the same position: Caffe stops with \"Top blob '{{blob}}' produced by multiple sources\"",
    },
    docs: {
      whatItDoes: "Reports a `top` that repeats a blob already produced in the same phase, unless the layer works in place (its bottom at the same index has the same name).",
      whyIsThisBad:
        "Caffe allows a blob to be rewritten only by an in-place layer (`bottom: \"x\" top: \"x\"`). Any other second producer makes Net::Init abort, often only in the phase where both layers are present.",
      example: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "out" convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "conv2" type: "Convolution" bottom: "data" top: "out" convolution_param { num_output: 4 kernel_size: 3 } }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "out1" convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "conv2" type: "Convolution" bottom: "data" top: "out2" convolution_param { num_output: 4 kernel_size: 3 } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix.",
      references: ["BVLC/caffe src/caffe/net.cpp, Net::AppendTop (\"produced by multiple sources\")"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      for (const problem of net.problems) {
        if (problem.kind !== "duplicate-top") continue;
        reports.push({
          messageId: "duplicateTop",
          data: { layer: problem.layer.name, blob: problem.blob, earlier: problem.earlier.name },
          node: problem.layer.param,
          field: "top",
          fieldIndex: problem.topIndex,
          layer: problem.layer.name,
          phases: [phase],
        });
      }
    }
    return reports;
  },
});
