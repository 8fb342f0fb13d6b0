import inputNotScaled from "../../rules/input-not-scaled.js";
import dataNotShuffled from "../../rules/data-not-shuffled.js";
import solverLrPolicy from "../../rules/solver-lr-policy.js";
import lrTooHigh from "../../rules/lr-too-high.js";
import { ruleTester } from "./rule-tester.js";

const REST = `layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
`;

ruleTester(inputNotScaled, {
  valid: [
    `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } data_param { source: "a" batch_size: 4 } }\n${REST}`,
    { name: "mean subtraction alone", code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { mean_file: "mean.binaryproto" } data_param { source: "a" batch_size: 4 } }\n${REST}` },
    { name: "mean values", code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { mean_value: 104 mean_value: 117 mean_value: 123 } data_param { source: "a" batch_size: 4 } }\n${REST}` },
    { name: "TEST only", code: `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TEST } data_param { source: "a" batch_size: 4 } }\n${REST}` },
  ],
  invalid: [
    {
      name: "no transform_param: inserted",
      code: `layer {\n  name: "d"\n  type: "Data"\n  top: "data"\n  top: "label"\n  data_param { source: "a" batch_size: 4 }\n}\n${REST}`,
      errors: [{ messageId: "rawPixels", line: 3, column: 3, data: { layer: "d" } }],
      output: `layer {\n  name: "d"\n  type: "Data"\n  top: "data"\n  top: "label"\n  data_param { source: "a" batch_size: 4 }\n  transform_param { scale: 0.00390625 }\n}\n${REST}`,
    },
    {
      name: "transform_param with only crop",
      code: `layer { name: "d" type: "Data" top: "data" top: "label" transform_param { crop_size: 8 } data_param { source: "a" batch_size: 4 } }\n${REST}`,
      errors: [{ messageId: "rawPixels", line: 1, column: 57 }],
      output: `layer { name: "d" type: "Data" top: "data" top: "label" transform_param { crop_size: 8  scale: 0.00390625 } data_param { source: "a" batch_size: 4 } }\n${REST}`,
    },
  ],
});

ruleTester(dataNotShuffled, {
  valid: [
    `layer { name: "d" type: "ImageData" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } image_data_param { source: "l.txt" batch_size: 4 shuffle: true } }\n${REST}`,
    { name: "TEST lists need no shuffle", code: `layer { name: "d" type: "ImageData" top: "data" top: "label" include { phase: TEST } image_data_param { source: "l.txt" batch_size: 4 } }\n${REST}` },
  ],
  invalid: [
    {
      code: `layer { name: "d" type: "ImageData" top: "data" top: "label" include { phase: TRAIN } image_data_param { source: "l.txt" batch_size: 4 } }\n${REST}`,
      errors: [{ messageId: "listNotShuffled", line: 1, column: 104, data: { layer: "d" } }],
      output: `layer { name: "d" type: "ImageData" top: "data" top: "label" include { phase: TRAIN } image_data_param { source: "l.txt" batch_size: 4  shuffle: true } }\n${REST}`,
    },
    {
      name: "explicit false is replaced",
      code: `layer { name: "d" type: "ImageData" top: "data" top: "label" image_data_param { source: "l.txt" shuffle: false } }\n${REST}`,
      errors: [{ messageId: "listNotShuffled", line: 1, column: 97 }],
      output: `layer { name: "d" type: "ImageData" top: "data" top: "label" image_data_param { source: "l.txt" shuffle: true } }\n${REST}`,
    },
  ],
});

const NET = { "train_val.prototxt": `layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } transform_param { scale: 0.00390625 } data_param { source: "a" batch_size: 64 } }\n${REST}` };

ruleTester(solverLrPolicy, {
  valid: [
    { kind: "solver", files: NET, code: `net: "train_val.prototxt"\nbase_lr: 0.01\nlr_policy: "step"\ngamma: 0.1\nstepsize: 100\n` },
    { kind: "solver", files: NET, code: `net: "train_val.prototxt"\nbase_lr: 0.01\nlr_policy: "poly"\npower: 1\nmax_iter: 100\n` },
    { kind: "solver", files: NET, code: `net: "train_val.prototxt"\nbase_lr: 0.01\nlr_policy: "fixed"\n` },
  ],
  invalid: [
    {
      name: "missing policy: fixed is added",
      kind: "solver",
      files: NET,
      code: `net: "train_val.prototxt"\nbase_lr: 0.01\n`,
      errors: [{ messageId: "missingPolicy", line: 2, column: 1, file: "solver.prototxt" }],
      output: `net: "train_val.prototxt"\nbase_lr: 0.01\nlr_policy: "fixed"\n`,
    },
    {
      kind: "solver",
      files: NET,
      code: `net: "train_val.prototxt"\nbase_lr: 0.01\nlr_policy: "cosine"\n`,
      errors: [{ messageId: "unknownPolicy", line: 3, column: 1, data: { policy: "cosine", known: "fixed, step, exp, inv, multistep, poly, sigmoid" } }],
    },
    {
      name: "step without stepsize or gamma",
      kind: "solver",
      files: NET,
      code: `net: "train_val.prototxt"\nbase_lr: 0.01\nlr_policy: "step"\n`,
      errors: [
        { messageId: "missingParam", line: 3, column: 1, data: { policy: "step", param: "stepsize", formula: "base_lr * gamma ^ floor(iter / stepsize)", effect: "Caffe divides by zero and the process dies" } },
        { messageId: "zeroRate", line: 3, column: 1 },
      ],
    },
    {
      name: "poly without max_iter",
      kind: "solver",
      files: NET,
      code: `net: "train_val.prototxt"\nbase_lr: 0.01\nlr_policy: "poly"\npower: 0.9\n`,
      errors: [{ messageId: "missingParam", line: 3, column: 1, data: { policy: "poly", param: "max_iter", formula: "base_lr * (1 - iter / max_iter) ^ power", effect: "iter / 0 makes the rate infinite or NaN" } }],
    },
    {
      name: "no base_lr",
      kind: "solver",
      files: NET,
      code: `net: "train_val.prototxt"\nlr_policy: "fixed"\n`,
      errors: [{ messageId: "noBaseLr", line: 1, column: 1 }],
    },
  ],
});

ruleTester(lrTooHigh, {
  valid: [
    { kind: "solver", files: NET, code: `net: "train_val.prototxt"\nbase_lr: 0.01\nmomentum: 0.9\nlr_policy: "fixed"\n` },
    { name: "Adam at its usual rate", kind: "solver", files: NET, code: `net: "train_val.prototxt"\ntype: "Adam"\nbase_lr: 0.001\nlr_policy: "fixed"\n` },
    { name: "no net to judge", kind: "solver", code: `net: "missing.prototxt"\nbase_lr: 100\nlr_policy: "fixed"\n` },
  ],
  invalid: [
    {
      name: "SGD with momentum",
      kind: "solver",
      files: NET,
      code: `net: "train_val.prototxt"\nbase_lr: 0.5\nmomentum: 0.9\nlr_policy: "fixed"\n`,
      errors: [{ messageId: "tooHigh", line: 2, column: 1, data: { lr: 0.5, reason: "SGD with momentum 0.9, 1 weighted layers, no normalisation, batch 64", measure: "the effective step base_lr / (1 - momentum)", value: "5", limit: "1", suggested: "0.05" } }],
      output: `net: "train_val.prototxt"\nbase_lr: 0.05\nmomentum: 0.9\nlr_policy: "fixed"\n`,
    },
    {
      name: "Adam, legacy solver_type",
      kind: "solver",
      files: NET,
      code: `net: "train_val.prototxt"\nsolver_type: ADAM\nbase_lr: 0.1\nlr_policy: "fixed"\n`,
      errors: [{ messageId: "tooHigh", line: 3, column: 1, data: { lr: 0.1, reason: "the Adam solver", measure: "base_lr", value: "0.1", limit: "0.01", suggested: "0.005" } }],
      output: `net: "train_val.prototxt"\nsolver_type: ADAM\nbase_lr: 0.005\nlr_policy: "fixed"\n`,
    },
    {
      name: "small batch lowers the limit",
      kind: "solver",
      files: { "train_val.prototxt": NET["train_val.prototxt"].replace("batch_size: 64", "batch_size: 4") },
      code: `net: "train_val.prototxt"\nbase_lr: 0.05\nmomentum: 0.9\nlr_policy: "fixed"\n`,
      errors: [{ messageId: "tooHigh", line: 2, column: 1, data: { lr: 0.05, reason: "SGD with momentum 0.9, 1 weighted layers, no normalisation, batch 4", measure: "the effective step base_lr / (1 - momentum)", value: "0.5", limit: "0.125", suggested: "0.005" } }],
      output: `net: "train_val.prototxt"\nbase_lr: 0.005\nmomentum: 0.9\nlr_policy: "fixed"\n`,
    },
  ],
});
