import rule from "../../rules/bn-global-stats-phase.js";
import scaleRule from "../../rules/bn-without-scale.js";
import lrMultRule from "../../rules/bn-stats-lr-mult.js";
import batchRule from "../../rules/bn-batch-too-small.js";
import { ruleTester } from "./rule-tester.js";

const INPUT = `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 8 dim: 3 dim: 8 dim: 8 } shape { dim: 8 } } }\n`;
const CONV = `layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }\n`;
const HEAD = `layer { name: "ip" type: "InnerProduct" bottom: "conv1" top: "ip" inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }\n`;
const TRAIN_DATA = `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } data_param { source: "a" batch_size: 8 } }
layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TEST } transform_param { scale: 0.00390625 } data_param { source: "b" batch_size: 8 } }\n`;

ruleTester(rule, {
  valid: [
    { name: "default use_global_stats", code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }\n` + HEAD },
    {
      name: "per-phase layers set right",
      code:
        TRAIN_DATA +
        CONV +
        `layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" include { phase: TRAIN } batch_norm_param { use_global_stats: false } }
layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" include { phase: TEST } batch_norm_param { use_global_stats: true } }\n` +
        HEAD,
    },
    { name: "deploy net with global stats", code: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n` + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { use_global_stats: true } }\n` },
  ],
  invalid: [
    {
      name: "global stats in a layer shared by both phases: removed",
      code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1"\n  batch_norm_param { use_global_stats: true } }\n` + HEAD,
      errors: [{ messageId: "globalInTrain", line: 4, column: 22, endLine: 4, endColumn: 44, severity: "error", data: { layer: "bn1", gain: 316, source: "" } }],
      output: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1"\n  batch_norm_param {  } }\n` + HEAD,
    },
    {
      name: "TRAIN-only layer: set to false; eps changes the gain",
      code: TRAIN_DATA + CONV + `layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" include { phase: TRAIN } batch_norm_param { use_global_stats: true eps: 0.0001 } }\n` + HEAD,
      errors: [{ messageId: "globalInTrain", line: 4, column: 111, data: { layer: "bn", gain: 100, source: "" } }],
      output: TRAIN_DATA + CONV + `layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" include { phase: TRAIN } batch_norm_param { use_global_stats: false eps: 0.0001 } }\n` + HEAD,
    },
    {
      name: "pretrained weights make it info",
      weights: "resnet.caffemodel",
      code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { use_global_stats: true } }\n` + HEAD,
      errors: [{ messageId: "globalInTrainPretrained", line: 3, column: 87, severity: "info", data: { layer: "bn1", gain: 316, source: "resnet.caffemodel" } }],
      output: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param {  } }\n` + HEAD,
    },
    {
      name: "batch statistics in TEST",
      code: TRAIN_DATA + CONV + `layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" include { phase: TEST } batch_norm_param { use_global_stats: false } }\n` + HEAD,
      errors: [{ messageId: "batchInTest", line: 4, column: 110, severity: "warning" }],
      output: TRAIN_DATA + CONV + `layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" include { phase: TEST } batch_norm_param { use_global_stats: true } }\n` + HEAD,
    },
  ],
});

ruleTester(scaleRule, {
  valid: [
    INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }\nlayer { name: "s1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }\n` + HEAD,
    { name: "Scale then Bias", code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "bn1" }\nlayer { name: "s1" type: "Scale" bottom: "bn1" top: "s1" }\nlayer { name: "b1" type: "Bias" bottom: "s1" top: "b1" }\n` },
  ],
  invalid: [
    { name: "nothing after", code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }\n` + HEAD, errors: [{ messageId: "noScale", line: 3, column: 21, severity: "info" }] },
    {
      name: "Scale without bias, not in place",
      code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "bn1" }\nlayer { name: "s1" type: "Scale" bottom: "bn1" top: "s1" }\n`,
      errors: [{ messageId: "scaleWithoutBias", line: 4, column: 20, data: { layer: "bn1", scale: "s1" } }],
    },
  ],
});

ruleTester(lrMultRule, {
  valid: [
    INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" param { lr_mult: 0 } param { lr_mult: 0 } param { lr_mult: 0 } }\n`,
    INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }\n`,
  ],
  invalid: [
    {
      name: "one block with the default lr_mult 1: Caffe refuses",
      code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" param { decay_mult: 0 } }\n`,
      errors: [{ messageId: "trainedStats", line: 3, column: 68, severity: "error", data: { layer: "bn1", blob: "mean", lrMult: "1" } }],
      output: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1"  }\n`,
    },
    {
      name: "three blocks: reset by Caffe's upgrade, a warning",
      code: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" param { lr_mult: 0 } param { lr_mult: 0 } param { lr_mult: 1 } }\n`,
      errors: [{ messageId: "resetByCaffe", line: 3, column: 110, severity: "warning", data: { layer: "bn1", blob: "scale factor", lrMult: "1" } }],
      output: INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1"    }\n`,
    },
  ],
});

ruleTester(batchRule, {
  valid: [INPUT + CONV + `layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }\n` + HEAD],
  invalid: [
    {
      name: "batch 1 after a fully connected layer",
      code: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 1 dim: 16 } shape { dim: 1 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 8 weight_filler { type: "xavier" } } }
layer { name: "bn1" type: "BatchNorm" bottom: "ip1" top: "ip1" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
`,
      errors: [{ messageId: "single", line: 3, column: 21, severity: "error", data: { layer: "bn1", batch: 1, spatial: 1, count: 1 } }],
    },
    {
      name: "batch 2 on 2x2 maps",
      code: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 2 dim: 3 dim: 2 dim: 2 } shape { dim: 2 } } }
layer { name: "bn1" type: "BatchNorm" bottom: "data" top: "bn1" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "bn1" bottom: "label" top: "loss" }
`,
      errors: [{ messageId: "few", line: 2, column: 21, severity: "warning", data: { layer: "bn1", batch: 2, spatial: 4, count: 8 } }],
    },
  ],
});
