import { has, num, nums, str, sub } from "../src/model/access.js";
import { defineRule, phaseNets } from "./types.js";
import type { RuleReport } from "./types.js";
import { insertField } from "./fix.js";

type MessageId = "rawPixels" | "rawPixelsSeen";

/** Data layers that decode 8-bit images and apply transform_param. */
const PIXEL_DATA_TYPES = new Set(["Data", "ImageData", "WindowData"]);

export default defineRule<MessageId>({
  meta: {
    id: "input-not-scaled",
    category: "problem",
    description: "Scale or mean-subtract raw 0-255 pixels before training",
    defaultSeverity: "warning",
    fixable: true,
    messages: {
      rawPixelsSeen:
        "Data layer '{{layer}}' feeds raw pixels to the net: '{{source}}' stores values {{min}}-{{max}} and transform_param has neither scale nor a mean; the first layers' outputs and gradients are ~{{max}}x too large and training diverges (loss 87.3365, then NaN)",
      rawPixels:
        "Data layer '{{layer}}' feeds raw pixels (0-255) to the net: transform_param has neither scale nor a mean; with the usual learning rates the first layers' outputs and gradients are ~255x too large and training diverges (loss 87.3365, then NaN)",
    },
    docs: {
      whatItDoes:
        "Reports a TRAIN-phase Data, ImageData or WindowData layer whose `transform_param` has no `scale`, no `mean_file` and no `mean_value`. When the dataset is readable, stored values above 1 make it an error, and records already stored as floats in [-1, 1] clear it.",
      whyIsThisBad:
        "Caffe's data layers hand 8-bit pixels to the net unchanged unless `transform_param` says otherwise. Inputs in 0-255 make the first convolution's outputs and the weight gradients hundreds of times larger than the learning rate was chosen for, so the first updates overshoot and the loss goes to 87.3365 and then NaN. `scale: 0.00390625` (1/256) maps pixels to [0, 1); subtracting a mean, as Caffe's CIFAR-10 and CaffeNet recipes do, is also fine. When the dataset stage proves the stored values are already normalised floats, the finding is dropped.",
      example: `layer { name: "mnist" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  data_param { source: "mnist_train_lmdb" backend: LMDB batch_size: 64 } }
`,
      useInstead: `layer { name: "mnist" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 }
  data_param { source: "mnist_train_lmdb" backend: LMDB batch_size: 64 } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety:
        "Changes what the net sees: weights trained on 0-255 inputs (a pretrained model) expect 0-255 at test time too, so apply the same scale to the TEST data layer and deploy-time preprocessing.",
      references: [
        "BVLC/caffe src/caffe/data_transformer.cpp, DataTransformer::Transform (out = (pixel - mean) * scale; scale defaults to 1)",
        "BVLC/caffe examples/mnist/lenet_train_test.prototxt (scale: 0.00390625)",
      ],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    for (const [phase, net] of phaseNets(context)) {
      if (phase !== "TRAIN") continue;
      for (const layer of net.layers) {
        if (!PIXEL_DATA_TYPES.has(layer.type)) continue;
        const t = sub(layer.param, "transform_param");
        const scaled = num(t, "scale", 1) !== 1;
        const meaned = has(t, "mean_file") || nums(t, "mean_value").length > 0;
        // WindowData keeps its own scale and mean_file in window_data_param.
        const w = sub(layer.param, "window_data_param");
        const windowScaled = num(w, "scale", 1) !== 1 || str(w, "mean_file") !== undefined;
        if (scaled || meaned || windowScaled) continue;
        const dataset = context.datasets?.find((d) => d.layerIndex === layer.index);
        const pixels = dataset?.stats?.pixels;
        // Records already stored as normalised floats need no scaling.
        if (pixels && dataset?.stats?.storage.kind === "float" && pixels.max <= 1 && pixels.min >= -1) continue;
        const seen = pixels !== null && pixels !== undefined && pixels.max > 1;
        const fixText = "transform_param { scale: 0.00390625 }";
        const edits = t ? insertField(context.file, t, "scale: 0.00390625", context.sourceLines) : insertField(context.file, layer.param, fixText, context.sourceLines);
        reports.push({
          messageId: seen ? "rawPixelsSeen" : "rawPixels",
          data: { layer: layer.name, source: dataset?.source ?? "", min: pixels?.min ?? 0, max: pixels?.max ?? 0 },
          ...(seen ? { severity: "error" as const } : {}),
          node: layer.param,
          field: t ? "transform_param" : "type",
          layer: layer.name,
          phases: [phase],
          fix: { description: t ? `add 'scale: 0.00390625' to transform_param of layer '${layer.name}' (or subtract a mean)` : `add '${fixText}' to layer '${layer.name}' (or subtract a mean)`, edits },
        });
      }
    }
    return reports;
  },
});
