import { defineRule } from "./types.js";
import type { RuleReport } from "./types.js";
import { dataParamOf } from "./datasets.js";

type MessageId = "missing" | "meanMissing" | "imagesMissing";

export default defineRule<MessageId>({
  meta: {
    id: "dataset-missing",
    category: "problem",
    description: "Name datasets and mean files that exist where Caffe will look",
    defaultSeverity: "warning",
    fixable: false,
    messages: {
      missing: "{{type}} layer '{{layer}}' reads '{{source}}', which was not found (looked in {{tried}}): Caffe resolves it against the directory it is started from; give --root so bnlint can check the data",
      meanMissing: "mean_file '{{source}}' of layer '{{layer}}' was not found (looked in {{tried}})",
      imagesMissing: "{{count}} of the {{checked}} images listed in '{{source}}' checked were not found (first: {{first}}): Caffe stops with \"Could not open or find file\" when it reaches one; check root_folder",
    },
    docs: {
      whatItDoes:
        "Reports a Data, ImageData or WindowData layer whose `source`, or whose `mean_file`, cannot be found in the current directory, the net's directory or `--root`, and image files listed by an ImageData or WindowData list that do not exist (with `root_folder` prepended, as Caffe does).",
      whyIsThisBad:
        "Caffe opens the dataset when the net is built and stops (\"Check failed: mdb_status == 0 (2 vs. 0) No such file or directory\"), often only when the TEST net is first built, hours into training. A missing dataset also means bnlint cannot check labels, shapes, scaling or order.",
      example: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "no_such_lmdb" backend: LMDB batch_size: 4 } }
`,
      useInstead: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "fixtures/lmdb/mnist40" backend: LMDB batch_size: 4 } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix.",
      references: ["BVLC/caffe src/caffe/util/db_lmdb.cpp, LMDB::Open (CHECK on mdb_env_open)", "BVLC/caffe src/caffe/data_transformer.cpp, DataTransformer constructor (reads mean_file)"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const d of context.datasets ?? []) {
      const layer = context.model?.phases[d.phases[0]!]?.layers.find((l) => l.index === d.layerIndex);
      if (!layer) continue;
      const p = dataParamOf(layer);
      if (!d.resolved) {
        reports.push({ messageId: "missing", data: { type: d.type, layer: d.layer, source: d.source, tried: d.tried.join(", ") }, node: p ?? layer.param, field: p ? "source" : "type", layer: d.layer, phases: d.phases });
      }
      const missingImages = d.list?.missing;
      if (missingImages && missingImages.count > 0) {
        reports.push({ messageId: "imagesMissing", data: { count: missingImages.count, checked: missingImages.checked, source: d.source, first: missingImages.first.slice(0, 3).join(", ") }, node: p ?? layer.param, field: p ? "source" : "type", layer: d.layer, phases: d.phases });
      }
      if (d.meanFile && !d.meanFile.resolved) {
        const t = layer.param["transform_param"] as import("../src/schema/types.js").PlainMessage | undefined;
        reports.push({ messageId: "meanMissing", data: { layer: d.layer, source: d.meanFile.source, tried: d.tried.length ? "the same places" : "" }, node: t ?? layer.param, field: t ? "mean_file" : "type", layer: d.layer, phases: d.phases });
      }
    }
    return reports;
  },
});
