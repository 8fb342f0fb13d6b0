import { defineRule } from "./types.js";
import type { RuleReport } from "./types.js";
import { dataParamOf } from "./datasets.js";

type MessageId = "unreadable" | "undecodable" | "sizeMismatch" | "mixedShapes" | "listMalformed";

export default defineRule<MessageId>({
  meta: {
    id: "lmdb-corrupt",
    category: "problem",
    description: "Train on an LMDB whose records are all valid Datum messages of one shape",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      unreadable: "'{{source}}' cannot be read as a Caffe LMDB: {{reason}}",
      listMalformed: "{{count}} lines of the image list '{{source}}' are not 'path label' (lines {{lines}}: {{reason}}): Caffe stops or reads a wrong label there",
      undecodable: "{{count}} of {{scanned}} records of '{{source}}' are not valid caffe.Datum messages (first keys: {{keys}}; {{reason}})",
      sizeMismatch: "{{count}} of {{scanned}} records of '{{source}}' hold a data length that is not channels × height × width (first keys: {{keys}}): Caffe reads past or short of the pixels",
      mixedShapes: "{{count}} of {{scanned}} records of '{{source}}' differ in shape from the first record's {{shape}} (first keys: {{keys}}): Caffe's Data layer stops with a shape check failure when it reaches them",
    },
    docs: {
      whatItDoes:
        "Reads the TRAIN and TEST datasets and reports image lists with lines that are not `path label`, and LMDBs that cannot be opened as LMDB 0.9 (for instance one written in LMDB's newer v2 format by the `lmdb` npm package), records that do not decode as `caffe.Datum`, records whose `data` length disagrees with channels × height × width, and records of mixed shapes.",
      whyIsThisBad:
        "A badly generated LMDB is a classic source of NaN losses and silent nonsense: records of another shape stop Caffe hours in, truncated pixel buffers feed garbage, and a database in the wrong format makes Caffe fail at start-up with an MDB error.",
      example: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "fixtures/lmdb/images" backend: LMDB batch_size: 4 } }
`,
      useInstead: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "fixtures/lmdb/mnist40" backend: LMDB batch_size: 4 } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: regenerate the database (convert_imageset, or a script writing caffe.Datum records with the classic LMDB library).",
      references: ["BVLC/caffe src/caffe/layers/data_layer.cpp, DataLayer::load_batch (Datum parsing, shape check)", "BVLC/caffe src/caffe/util/db_lmdb.cpp"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const d of context.datasets ?? []) {
      if (!d.resolved) continue;
      const layer = context.model?.phases[d.phases[0]!]?.layers.find((l) => l.index === d.layerIndex);
      if (!layer) continue;
      const at = { node: dataParamOf(layer) ?? layer.param, field: dataParamOf(layer) ? "source" : "type", layer: layer.name, phases: d.phases };
      const malformed = d.list?.malformed;
      if (malformed && malformed.count > 0) {
        reports.push({ messageId: "listMalformed", data: { count: malformed.count, source: d.source, lines: malformed.lines.slice(0, 5).join(", "), reason: malformed.reasons[0] ?? "" }, ...at });
      }
      if (d.type !== "Data") continue;
      if (d.error && d.error.code !== "unsupported-backend") {
        reports.push({ messageId: "unreadable", data: { source: d.source, reason: d.error.message }, ...at });
        continue;
      }
      const s = d.stats;
      if (!s) continue;
      const keys = (k: string[]) => k.slice(0, 3).join(", ");
      if (s.undecodable.count > 0) reports.push({ messageId: "undecodable", data: { source: d.source, count: s.undecodable.count, scanned: s.scanned, keys: keys(s.undecodable.firstKeys), reason: s.undecodable.firstReasons[0] ?? "" }, ...at });
      if (s.sizeMismatch.count > 0) reports.push({ messageId: "sizeMismatch", data: { source: d.source, count: s.sizeMismatch.count, scanned: s.scanned, keys: keys(s.sizeMismatch.firstKeys) }, ...at });
      if (!s.shape.consistent && s.shape.chw) {
        reports.push({ messageId: "mixedShapes", data: { source: d.source, count: s.shape.mismatches.count, scanned: s.scanned, shape: s.shape.chw.join("x"), keys: keys(s.shape.mismatches.firstKeys) }, ...at });
      }
    }
    return reports;
  },
});
