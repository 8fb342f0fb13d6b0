/** Questions dataset rules ask: which parameter block a data layer has, and how many classes its labels feed. */
import { num, sub } from "../src/model/access.js";
import type { LayerNode, PhaseNet } from "../src/model/types.js";
import type { PlainMessage } from "../src/schema/types.js";

const PARAM_FIELD: Record<string, string> = { Data: "data_param", ImageData: "image_data_param", WindowData: "window_data_param" };

export function dataParamOf(layer: LayerNode): PlainMessage | undefined {
  const field = PARAM_FIELD[layer.type];
  return field ? sub(layer.param, field) : undefined;
}

/** Layers that take a label bottom at index 1 and score it against bottom 0's channels. */
const CLASSIFYING = new Set(["SoftmaxWithLoss", "Accuracy", "MultinomialLogisticLoss", "InfogainLoss", "HingeLoss"]);

/**
 * The classifier a data layer's labels feed: the first loss or accuracy
 * layer reading its label top, and the number of classes (channels of the
 * scores it compares with, from the shape or the producer's num_output).
 */
export function classifierOf(net: PhaseNet, dataLayer: LayerNode): { layer: LayerNode; classes: number } | undefined {
  const label = dataLayer.tops[1];
  if (label === undefined) return undefined;
  for (const layer of net.layers) {
    if (!CLASSIFYING.has(layer.type) || layer.bottoms[1] !== label) continue;
    const axis = num(sub(layer.param, layer.type === "Accuracy" ? "accuracy_param" : "softmax_param"), "axis", 1);
    const fromShape = layer.bottomShapes[0]?.[axis];
    if (fromShape !== undefined) return { layer, classes: fromShape };
    const producer = net.blobs.get(layer.bottoms[0] ?? "")?.producers.find((p) => p.index < layer.index);
    const n = producer ? num(sub(producer.param, producer.type === "InnerProduct" ? "inner_product_param" : "convolution_param"), "num_output") : undefined;
    if (n !== undefined) return { layer, classes: n };
  }
  return undefined;
}
