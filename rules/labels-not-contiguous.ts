import { defineRule } from "./types.js";
import type { RuleReport } from "./types.js";
import { classifierOf, dataParamOf } from "./datasets.js";

type MessageId = "outOfRange" | "oneBased" | "gaps";

function histogramText(h: Record<string, number>): string {
  const entries = Object.entries(h).sort((a, b) => Number(a[0]) - Number(b[0]));
  const shown = entries.slice(0, 12).map(([k, v]) => `${k}:${v}`).join(" ");
  return entries.length > 12 ? `${shown} ...` : shown;
}

export default defineRule<MessageId>({
  meta: {
    id: "labels-not-contiguous",
    category: "problem",
    description: "Number labels 0 to num_output - 1, without gaps",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      outOfRange:
        "Labels of '{{source}}' run {{min}}..{{max}}, but '{{classifier}}' scores {{classes}} classes (0..{{last}}): labels outside that range read the wrong probabilities in a release build of Caffe and drive the loss towards 87.3365 (histogram {{histogram}})",
      oneBased:
        "Labels of '{{source}}' run 1..{{max}} while '{{classifier}}' scores {{classes}} classes (0..{{last}}): the labels are 1-based; label {{max}} is out of range and class 0 is never trained (histogram {{histogram}}). Relabel with 'bnlint data relabel SRC DST --map 1..{{max}}={{zero}}..{{last}}'",
      gaps: "Labels of '{{source}}' skip {{missing}} within 0..{{max}} ({{distinct}} distinct labels for {{classes}} classes): those outputs are never trained (histogram {{histogram}})",
    },
    docs: {
      whatItDoes:
        "Reads the labels of the TRAIN dataset (LMDB or ImageData list) and compares them with the number of classes of the classifier they feed (SoftmaxWithLoss, Accuracy, ...): an error for labels outside 0..num_output-1, including the classic 1-based labels; a warning for unused labels inside the range.",
      whyIsThisBad:
        "SoftmaxWithLoss checks the label range only in debug builds. In a release build, label C with C outputs reads the next sample's probability (or memory past the buffer), writes its gradient into the wrong row, and training slowly collapses into a saturated softmax: the loss creeps to k/N × 87.3365. Gaps leave outputs that never receive a positive example.",
      example: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "fixtures/lmdb/one_based40" backend: LMDB batch_size: 4 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
      useInstead: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "fixtures/lmdb/mnist40" backend: LMDB batch_size: 4 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix to the net; `bnlint data relabel SRC DST --map 1..10=0..9` writes a relabelled copy of an LMDB (never in place).",
      references: ["BVLC/caffe src/caffe/layers/softmax_loss_layer.cpp, SoftmaxWithLossLayer::Forward_cpu (DCHECK_LT(label_value, prob_.shape(softmax_axis_)))"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    const train = context.model?.phases.TRAIN;
    if (!train) return [];
    for (const d of context.datasets ?? []) {
      if (!d.phases.includes("TRAIN")) continue;
      const labels = d.stats?.labels ?? d.list?.labels;
      const layer = train.layers.find((l) => l.index === d.layerIndex);
      if (!labels || labels.min === null || labels.max === null || !layer) continue;
      const classifier = classifierOf(train, layer);
      // Without a classifier (regression, a custom loss) the label range means nothing here.
      if (!classifier) continue;
      const { classes } = classifier;
      const node = dataParamOf(layer) ?? layer.param;
      const base = { source: d.source, classifier: classifier.layer.name, classes, last: classes - 1, min: labels.min, max: labels.max, histogram: histogramText(labels.histogram) };
      const at = { node, field: dataParamOf(layer) ? "source" : "type", layer: layer.name, phases: ["TRAIN" as const] };
      if (labels.min === 1 && labels.max === classes) {
        reports.push({ messageId: "oneBased", data: { ...base, zero: 0 }, ...at });
      } else if (labels.min < 0 || labels.max > classes - 1) {
        reports.push({ messageId: "outOfRange", data: base, ...at });
      } else if (labels.distinct < labels.max + 1 && (!d.stats || d.stats.scanned >= d.stats.count)) {
        // Gaps are judged only on a full scan: a prefix may simply not reach the rarer labels.
        const present = new Set(Object.keys(labels.histogram).map(Number));
        const missing = Array.from({ length: labels.max + 1 }, (_, i) => i).filter((i) => !present.has(i));
        reports.push({ messageId: "gaps", data: { ...base, missing: missing.slice(0, 8).join(", ") + (missing.length > 8 ? ", ..." : ""), distinct: labels.distinct }, ...at, severity: "warning" });
      }
    }
    return reports;
  },
});
