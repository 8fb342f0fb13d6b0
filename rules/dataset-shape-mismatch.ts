import { num, nums, sub } from "../src/model/access.js";
import { defineRule } from "./types.js";
import type { RuleReport } from "./types.js";
import { dataParamOf } from "./datasets.js";

type MessageId = "cropTooLarge" | "meanFileShape" | "meanValueCount" | "phaseShapes";

export default defineRule<MessageId>({
  meta: {
    id: "dataset-shape-mismatch",
    category: "problem",
    description: "Make crops, mean files and phases agree with the shape of the stored images",
    defaultSeverity: "error",
    fixable: false,
    messages: {
      cropTooLarge: "crop_size {{crop}} of layer '{{layer}}' is larger than the {{height}}x{{width}} images of '{{source}}': Caffe stops with a check failure on the first batch",
      meanFileShape: "mean_file '{{mean}}' is {{meanShape}} but the records of '{{source}}' are {{dataShape}}: Caffe subtracts the mean before cropping and requires the same channels, height and width",
      meanValueCount: "Layer '{{layer}}' gives {{count}} mean_value entries for {{channels}}-channel images: Caffe accepts one value, or one per channel",
      phaseShapes: "TRAIN reads {{trainShape}} records ('{{trainSource}}') but TEST reads {{testShape}} ('{{testSource}}'): the layers after the data see different sizes in the two phases, so the TEST net cannot share the trained weights",
    },
    docs: {
      whatItDoes:
        "Compares the stored record shape of each dataset with the layer's `crop_size`, `mean_file` and `mean_value`, and the TRAIN dataset's shape with the TEST dataset's.",
      whyIsThisBad:
        "These mismatches stop Caffe with a check failure, some only when the TEST net is built at the first test interval, or silently change what the net sees: a mean image of another size, a crop larger than the picture, a test set with another resolution than the one the weights were trained for.",
      example: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 crop_size: 12 } data_param { source: "fixtures/lmdb/mnist40" backend: LMDB batch_size: 4 } }
`,
      useInstead: `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 crop_size: 6 } data_param { source: "fixtures/lmdb/mnist40" backend: LMDB batch_size: 4 } }
`,
      exampleKind: "net",
      options: "None.",
      fixSafety: "No automatic fix.",
      references: ["BVLC/caffe src/caffe/data_transformer.cpp, DataTransformer::Transform (CHECK_GE(datum_height, crop_size), mean checks)"],
    },
  },
  check(context) {
    const reports: RuleReport<MessageId>[] = [];
    const shapes: { phase: "TRAIN" | "TEST"; shape: [number, number, number]; source: string }[] = [];
    for (const d of context.datasets ?? []) {
      const chw = d.stats?.shape.chw;
      const layer = context.model?.phases[d.phases[0]!]?.layers.find((l) => l.index === d.layerIndex);
      if (!chw || !layer) continue;
      const t = sub(layer.param, "transform_param");
      const crop = num(t, "crop_size", 0);
      const [c, h, w] = chw;
      // What the net sees: the crop when there is one, the stored size otherwise.
      for (const phase of d.phases) shapes.push({ phase, shape: crop > 0 ? [c, crop, crop] : chw, source: d.source });
      if (crop > h || crop > w) {
        reports.push({ messageId: "cropTooLarge", data: { crop, layer: layer.name, height: h, width: w, source: d.source }, node: t!, field: "crop_size", layer: layer.name, phases: d.phases });
      }
      const mean = d.meanFile?.shape;
      if (mean && (mean[0] !== c || mean[1] !== h || mean[2] !== w)) {
        reports.push({ messageId: "meanFileShape", data: { mean: d.meanFile!.source, meanShape: mean.join("x"), source: d.source, dataShape: chw.join("x") }, node: t ?? dataParamOf(layer) ?? layer.param, field: t ? "mean_file" : "mean_file", layer: layer.name, phases: d.phases });
      }
      const meanValues = nums(t, "mean_value");
      if (meanValues.length > 1 && meanValues.length !== c) {
        reports.push({ messageId: "meanValueCount", data: { layer: layer.name, count: meanValues.length, channels: c }, node: t!, field: "mean_value", layer: layer.name, phases: d.phases });
      }
    }
    const train = shapes.find((s) => s.phase === "TRAIN");
    const test = shapes.find((s) => s.phase === "TEST");
    if (train && test && train.shape.join("x") !== test.shape.join("x")) {
      const layer = context.model?.phases.TEST?.layers.find((l) => (context.datasets ?? []).some((d) => d.layerIndex === l.index && d.source === test.source));
      if (layer) {
        reports.push({ messageId: "phaseShapes", data: { trainShape: train.shape.join("x"), trainSource: train.source, testShape: test.shape.join("x"), testSource: test.source }, node: dataParamOf(layer) ?? layer.param, field: "source", layer: layer.name, phases: ["TEST"] });
      }
    }
    return reports;
  },
});
