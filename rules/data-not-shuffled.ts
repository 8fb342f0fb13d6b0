import { bool, sub } from "../src/model/access.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";
import { insertField, replaceValue } from "./fix.js";

type MessageId = "listNotShuffled" | "lmdbInKeyOrder";

export default defineRule<MessageId>({
  meta: {
    id: "data-not-shuffled",
    category: "problem",
    description: "Shuffle training data that Caffe reads in file order",
    defaultSeverity: "warning",
    fixable: true,
    messages: {
      lmdbInKeyOrder:
        "'{{source}}' stores its labels in runs along the key order ({{changes}} label changes between neighbouring records where a shuffled database has about {{expected}}): Caffe's Data layer reads in key order and cannot shuffle, so batches hold one class at a time. Write a shuffled copy with 'bnlint data shuffle {{source}} {{source}}_shuffled'",
      listNotShuffled:
        "ImageData layer '{{layer}}' reads its list in file order (no 'shuffle: true'): lists written class by class give batches of one class, and the net learns whichever class it saw last",
    },
    docs: {
      whatItDoes:
        "Reports a TRAIN-phase ImageData layer without `shuffle: true`. With the dataset stage, also LMDB datasets whose labels come in long runs along the key order. WindowData is exempt: it samples windows at random.",
      whyIsThisBad:
        "Caffe's ImageData layer reads its list top to bottom unless `shuffle: true`, and the Data layer reads LMDB in key order and cannot shuffle at all. Lists and databases are usually written class by class, so every batch holds one class: the gradient pulls towards the current class, the loss oscillates or sits at ln(classes), and accuracy stays at chance.",
      example: `layer { name: "data" type: "ImageData" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 }
  image_data_param { source: "train.txt" batch_size: 32 } }
`,
      useInstead: `layer { name: "data" type: "ImageData" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 }
  image_data_param { source: "train.txt" batch_size: 32 shuffle: true } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "Safe: shuffling changes only the order of samples (and makes runs differ by the shuffle seed).",
      references: [
        "BVLC/caffe src/caffe/layers/image_data_layer.cpp, ImageDataLayer::DataLayerSetUp (ShuffleImages only when shuffle is set)",
        "BVLC/caffe src/caffe/layers/data_layer.cpp, DataLayer::Next (cursor in key order)",
      ],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      if (phase !== "TRAIN") continue;
      for (const layer of net.layers) {
        const dataset = context.datasets?.find((d) => d.layerIndex === layer.index);
        const order = dataset?.stats?.labelOrder;
        if (layer.type === "Data" && order?.verdict === "unshuffled") {
          const p = sub(layer.param, "data_param");
          reports.push({
            messageId: "lmdbInKeyOrder",
            data: { source: dataset!.source, changes: order.changes, expected: Math.round(order.expectedChanges) },
            node: p ?? layer.param,
            field: p ? "source" : "type",
            layer: layer.name,
            phases: [phase],
          });
          continue;
        }
        if (layer.type !== "ImageData") continue;
        const p = sub(layer.param, "image_data_param");
        if (bool(p, "shuffle", false)) continue;
        const edits = !p ? [] : p["shuffle"] !== undefined ? replaceValue(context.file, p, "shuffle", "true") : insertField(context.file, p, "shuffle: true", context.sourceLines);
        reports.push({
          messageId: "listNotShuffled",
          data: { layer: layer.name },
          node: p ?? layer.param,
          field: p && p["shuffle"] !== undefined ? "shuffle" : undefined,
          layer: layer.name,
          phases: [phase],
          fix: { description: `set 'shuffle: true' in image_data_param of layer '${layer.name}'`, edits },
        });
      }
    }
    return reports;
  },
});
