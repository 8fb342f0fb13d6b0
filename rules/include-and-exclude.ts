import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "both";

export default defineRule<MessageId>({
  meta: {
    id: "include-and-exclude",
    category: "problem",
    description: "Use either include or exclude rules on a layer, not both",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      both: "Layer '{{layer}}' has both include and exclude rules: Caffe stops with \"Specify either include rules or exclude rules; not both\"",
    },
    docs: {
      whatItDoes: "Reports a layer that has both `include { }` and `exclude { }` blocks.",
      whyIsThisBad: "Caffe's net filter refuses such a layer with a fatal error when the net is built, so training never starts.",
      example: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } }
  include { phase: TRAIN } exclude { stage: "deploy" } }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } }
  include { phase: TRAIN not_stage: "deploy" } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: merging the conditions needs a decision.",
      references: ["BVLC/caffe src/caffe/net.cpp, Net::FilterNet (CHECK on include and exclude)"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    const seen = new Set<number>();
    for (const [phase, net] of phaseNets(context)) {
      for (const problem of net.problems) {
        if (problem.kind !== "include-and-exclude" || seen.has(problem.layer.index)) continue;
        seen.add(problem.layer.index);
        reports.push({ messageId: "both", data: { layer: problem.layer.name }, node: problem.layer.param, field: "exclude", layer: problem.layer.name, phases: [phase] });
      }
    }
    return reports;
  },
});
