import unknownBottom from "../../rules/unknown-bottom.js";
import duplicateTop from "../../rules/duplicate-top.js";
import includeAndExclude from "../../rules/include-and-exclude.js";
import missingLoss from "../../rules/missing-loss.js";
import softmaxBeforeLoss from "../../rules/softmax-before-loss.js";
import zeroInit from "../../rules/zero-init-weights.js";
import convWithoutNorm from "../../rules/conv-without-norm.js";
import numOutput from "../../rules/num-output-oversized.js";
import { ruleTester } from "./rule-tester.js";

const INPUT = `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 4 dim: 10 } shape { dim: 4 } } }\n`;
const LOSS = `layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }\n`;
const IP = `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }\n`;

ruleTester(unknownBottom, {
  valid: [
    INPUT + IP + LOSS,
    {
      name: "TEST-only layer reading a TEST-only blob",
      code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 4 } }
layer { name: "d2" type: "Data" top: "data" top: "label" top: "extra" include { phase: TEST } data_param { source: "b" batch_size: 4 } }
${IP}${LOSS}layer { name: "acc" type: "Accuracy" bottom: "ip" bottom: "extra" top: "acc" include { phase: TEST } }\n`,
    },
    {
      name: "blob provided only in a stage",
      code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 4 } }
layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TEST stage: "test-on-train" } data_param { source: "a" batch_size: 4 } }
${IP}${LOSS}`,
    },
  ],
  invalid: [
    {
      name: "typo",
      code: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "dta" top: "ip" inner_product_param { num_output: 3 } }\n` + LOSS,
      errors: [{ messageId: "unknownBottom", line: 2, column: 41, data: { layer: "ip", blob: "dta", phase: "TRAIN and TEST", producer: "" } }],
    },
    {
      name: "used before produced, reported once for both phases",
      code: `layer { name: "d" type: "Data" top: "data" top: "label" data_param { source: "a" batch_size: 4 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
${IP}`,
      errors: [{ messageId: "producedLater", line: 2, column: 46, data: { layer: "loss", blob: "ip", producer: "ip", phase: "TRAIN and TEST" } }],
    },
    {
      name: "TRAIN-only blob read in TEST",
      code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 4 } }
layer { name: "d" type: "Data" top: "data" include { phase: TEST } data_param { source: "a" batch_size: 4 } }
${IP}${LOSS}`,
      errors: [{ messageId: "unknownBottom", line: 4, column: 59, data: { layer: "loss", blob: "label", phase: "TEST", producer: "" } }],
    },
  ],
});

ruleTester(duplicateTop, {
  valid: [INPUT + IP + `layer { name: "relu" type: "ReLU" bottom: "ip" top: "ip" }\n` + LOSS],
  invalid: [
    {
      code: INPUT + IP + `layer { name: "ip_b" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 } }\n` + LOSS,
      errors: [{ messageId: "duplicateTop", line: 3, column: 58, data: { layer: "ip_b", blob: "ip", earlier: "ip" } }],
    },
  ],
});

ruleTester(includeAndExclude, {
  valid: [INPUT + IP + LOSS],
  invalid: [
    {
      code: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" include { phase: TRAIN } exclude { stage: "x" } inner_product_param { num_output: 3 } }\n` + LOSS,
      errors: [{ messageId: "both", line: 2, column: 91, data: { layer: "ip" } }],
    },
  ],
});

ruleTester(missingLoss, {
  valid: [
    { name: "a deploy net needs no loss", code: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 10 } } }\n` + IP },
    `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 4 } }\n${IP}${LOSS}`,
    { name: "Euclidean loss counts", code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 4 } }\n${IP}layer { name: "l" type: "EuclideanLoss" bottom: "ip" bottom: "label" top: "l" }\n` },
  ],
  invalid: [
    {
      code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 4 } }\n${IP}layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }\n`,
      errors: [{ messageId: "noLoss", line: 3, column: 22 }],
    },
    {
      code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } data_param { source: "a" batch_size: 4 } }\n${IP}layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" loss_weight: 0 }\n`,
      errors: [{ messageId: "zeroWeights", line: 3, column: 87 }],
    },
  ],
});

ruleTester(softmaxBeforeLoss, {
  valid: [INPUT + IP + LOSS, { name: "Softmax for MultinomialLogisticLoss", code: INPUT + IP + `layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }\nlayer { name: "loss" type: "MultinomialLogisticLoss" bottom: "prob" bottom: "label" top: "loss" }\n` }],
  invalid: [
    {
      code: INPUT + IP + `layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }\nlayer { name: "loss" type: "SoftmaxWithLoss" bottom: "prob" bottom: "label" top: "loss" }\n`,
      errors: [{ messageId: "doubleSoftmax", line: 4, column: 46, data: { loss: "loss", layer: "prob" } }],
    },
    {
      code: INPUT + IP + `layer { name: "sig" type: "Sigmoid" bottom: "ip" top: "ip" }\nlayer { name: "loss" type: "SigmoidCrossEntropyLoss" bottom: "ip" bottom: "label" top: "loss" }\n`,
      errors: [{ messageId: "doubleSigmoid", line: 4, column: 54, data: { loss: "loss", layer: "sig" } }],
    },
  ],
});

ruleTester(zeroInit, {
  valid: [
    INPUT + IP + LOSS,
    { name: "frozen layer", code: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" param { lr_mult: 0 } inner_product_param { num_output: 3 } }\n` + LOSS },
    { name: "deploy", code: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 10 } } }\nlayer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 } }\n` },
  ],
  invalid: [
    {
      code: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 } }\n` + LOSS,
      errors: [{ messageId: "noFiller", line: 2, column: 88, severity: "warning", data: { type: "InnerProduct", layer: "ip" } }],
      output: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3  weight_filler { type: \"xavier\" } } }\n` + LOSS,
    },
    {
      code: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 weight_filler { value: 0 } } }\n` + LOSS,
      errors: [{ messageId: "constantZero", line: 2, column: 102, data: { type: "InnerProduct", layer: "ip" } }],
    },
    {
      name: "info with pretrained weights",
      weights: "base.caffemodel",
      code: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 } }\n` + LOSS,
      errors: [{ messageId: "noFiller", line: 2, column: 88, severity: "info" }],
      output: INPUT + `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3  weight_filler { type: \"xavier\" } } }\n` + LOSS,
    },
  ],
});

const conv = (i: number, from: string) => `layer { name: "c${i}" type: "Convolution" bottom: "${from}" top: "c${i}" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }\n`;
ruleTester(convWithoutNorm, {
  valid: [
    { name: "four in a row", code: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n` + [1, 2, 3, 4].map((i) => conv(i, i === 1 ? "data" : `c${i - 1}`)).join("") },
    { name: "option raises the bar", options: { minChain: 6 }, code: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n` + [1, 2, 3, 4, 5].map((i) => conv(i, i === 1 ? "data" : `c${i - 1}`)).join("") },
  ],
  invalid: [
    {
      name: "five in a row, reported once at the end",
      code: `layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n` + [1, 2, 3, 4, 5, 6].map((i) => conv(i, i === 1 ? "data" : `c${i - 1}`)).join(""),
      errors: [{ messageId: "longChain", line: 7, column: 20, data: { count: 6, layer: "c6", first: "c1" } }],
    },
  ],
});

ruleTester(numOutput, {
  valid: [
    `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 64 dim: 1 dim: 28 dim: 28 } shape { dim: 64 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 500 weight_filler { type: "xavier" } } }\n${LOSS}`,
  ],
  invalid: [
    {
      name: "a wide layer on a small input",
      code: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 64 dim: 1 dim: 16 dim: 16 } shape { dim: 64 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 8192 weight_filler { type: "xavier" } } }\n${LOSS}`,
      errors: [{ messageId: "widening", line: 2, column: 88, data: { layer: "ip", inputs: 256, outputs: 8192, ratio: 32, layerParams: "2,105,344" } }],
    },
    {
      name: "too many parameters per input value",
      code: `layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 64 dim: 10 } shape { dim: 64 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 1000 weight_filler { type: "xavier" } } }
layer { name: "ip" type: "InnerProduct" bottom: "ip1" top: "ip" inner_product_param { num_output: 1000 weight_filler { type: "xavier" } } }\n${LOSS}`,
      errors: [{ messageId: "paramsPerInput", line: 3, column: 20, data: { params: "1,012,000", inputs: 10, ratio: "101,200", limit: "20,000", layer: "ip", layerParams: "1,001,000" } }],
    },
  ],
});
