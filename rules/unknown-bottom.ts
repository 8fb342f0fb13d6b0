import { strs, subs } from "../src/model/access.js";
import { buildPhaseNet, netLayers } from "../src/model/build.js";
import type { PlainMessage } from "../src/schema/types.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "unknownBottom" | "producedLater";

export default defineRule<MessageId>({
  meta: {
    id: "unknown-bottom",
    category: "problem",
    description: "Read only blobs that an earlier layer or a net input produces",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      unknownBottom: "Layer '{{layer}}' reads blob '{{blob}}', which no earlier layer produces in {{phase}}: Caffe stops with \"Unknown bottom blob\"",
      producedLater: "Layer '{{layer}}' reads blob '{{blob}}' before layer '{{producer}}' produces it: Caffe builds the net in file order and stops with \"Unknown bottom blob\"",
    },
    docs: {
      whatItDoes: "Reports a `bottom` that names a blob no earlier layer (or net input) produces in the phase being built, after include/exclude rules.",
      whyIsThisBad:
        "Caffe connects layers in file order and aborts with \"Unknown bottom blob\" when a bottom has no producer yet. A common cause is a layer kept in one phase (say TEST-only accuracy) that reads a blob produced only in the other phase, or a typo in a blob name: the error then shows only when that phase is built, possibly after hours of training when the first test runs.",
      example: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "dta" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } }
`,
      useInstead: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: the intended blob cannot be known for sure.",
      references: ["BVLC/caffe src/caffe/net.cpp, Net::AppendBottom (\"Unknown bottom blob\")", "BVLC/caffe src/caffe/util/insert_splits.cpp, InsertSplits"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    const byBottom = new Map<string, RuleReport<MessageId>>();
    const model = context.model;
    for (const [phase, net] of phaseNets(context)) {
      // Nets with stage rules (test-on-train / test-on-test, deploy) are only complete in some stage; without a
      // stage given, a blob that a stage's layers provide is not reported.
      const stageNets = net.state.stages.length === 0 && model
        ? stagesInRules(model.net).map((stage) => buildPhaseNet(model.net, { ...net.state, stages: [stage] }))
        : [];
      for (const problem of net.problems) {
        if (problem.kind !== "unknown-bottom") continue;
        const providedByStage = stageNets.some((s) => s.layers.some((l) => l.index === problem.layer.index) && !s.problems.some((p) => p.kind === "unknown-bottom" && p.layer.index === problem.layer.index && p.bottomIndex === problem.bottomIndex));
        if (providedByStage) continue;
        const key = `${problem.layer.index}:${problem.bottomIndex}`;
        const seen = byBottom.get(key);
        if (seen) {
          seen.phases.push(phase);
          continue;
        }
        const later = net.layers.find((l) => l.index > problem.layer.index && l.tops.includes(problem.blob));
        byBottom.set(key, {
          messageId: later ? "producedLater" : "unknownBottom",
          data: { layer: problem.layer.name, blob: problem.blob, producer: later?.name ?? "" },
          node: problem.layer.param,
          field: "bottom",
          fieldIndex: problem.bottomIndex,
          layer: problem.layer.name,
          phases: [phase],
        });
      }
    }
    // One finding per bottom, naming the phases it fails in.
    for (const report of byBottom.values()) report.data = { ...report.data, phase: report.phases.join(" and ") };
    reports.push(...byBottom.values());
    return reports;
  },
});

/** Every stage named in the net's include/exclude rules. */
function stagesInRules(net: PlainMessage): string[] {
  const stages = new Set<string>();
  for (const layer of netLayers(net)) {
    for (const rule of [...subs(layer, "include"), ...subs(layer, "exclude")]) for (const s of [...strs(rule, "stage"), ...strs(rule, "not_stage")]) stages.add(s);
  }
  return [...stages];
}
