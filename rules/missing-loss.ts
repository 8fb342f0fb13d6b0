import { nums } from "../src/model/access.js";
import { isLossType } from "../src/model/build.js";
import { defineRule } from "./types.js";
import type { RuleReport } from "./types.js";

type MessageId = "noLoss" | "zeroWeights";

export default defineRule<MessageId>({
  meta: {
    id: "missing-loss",
    category: "problem",
    description: "Give a training net a loss with a non-zero weight",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      noLoss: "The TRAIN net has no loss layer: Caffe trains nothing (every gradient is zero) and the displayed loss stays 0",
      zeroWeights: "Every loss in the TRAIN net has loss_weight 0: no gradient flows and the weights never change",
    },
    docs: {
      whatItDoes:
        "Reports a training net (a net with TRAIN-phase layers, or the train net of a solver) whose TRAIN phase has no loss layer, or only losses with `loss_weight: 0`.",
      whyIsThisBad:
        "Caffe back-propagates from layers with a non-zero loss weight (the *Loss layers, weight 1 by default). Without one the solver runs, prints a loss of 0 and updates nothing but weight decay: days of compute for an untrained model.",
      example: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "train_lmdb" backend: LMDB batch_size: 64 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
`,
      useInstead: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "train_lmdb" backend: LMDB batch_size: 64 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix: which loss to add depends on the task.",
      references: ["BVLC/caffe src/caffe/net.cpp, Net::Init (layer_need_backward from loss weights)", "BVLC/caffe src/caffe/layer.hpp, Layer::SetLossWeights"],
    },
  },
  check(context) {
    const model = context.model;
    const train = model?.phases.TRAIN;
    // Only a net meant for training is judged: one with TRAIN-only layers, or a solver's train net.
    if (!model || !train || (model.kind !== "train_val" && !context.solver)) return [];
    const weights = train.layers.map((l) => {
      const explicit = nums(l.param, "loss_weight");
      return explicit.length > 0 ? explicit : isLossType(l.type) ? [1] : [];
    });
    const losses = weights.filter((w) => w.length > 0);
    const reports: RuleReport<MessageId>[] = [];
    if (losses.length === 0) {
      reports.push({ messageId: "noLoss", node: train.layers[train.layers.length - 1]?.param ?? model.net, field: "type", phases: ["TRAIN"] });
    } else if (losses.every((w) => w.every((x) => x === 0))) {
      const first = train.layers.find((_, i) => (weights[i]?.length ?? 0) > 0)!;
      reports.push({ messageId: "zeroWeights", node: first.param, field: "loss_weight", layer: first.name, phases: ["TRAIN"] });
    }
    return reports;
  },
});
