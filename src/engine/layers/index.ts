/**
 * The layer types the engine runs, by Caffe type name. A type missing here is
 * unsupported (the net names it in its error).
 */
import type { LayerDefinition } from "../types.js";
import { batchNormLayer } from "./batch-norm.js";
import { biasLayer } from "./bias.js";
import { convolutionLayer } from "./convolution.js";
import { dataLayer, imageDataLayer } from "./data.js";
import { deconvolutionLayer } from "./deconvolution.js";
import { innerProductLayer } from "./inner-product.js";
import { inputLayer } from "./input.js";
import { poolingLayer } from "./pooling.js";
import { reluLayer } from "./relu.js";
import { scaleLayer } from "./scale.js";
import { softmaxLayer } from "./softmax.js";
import { softmaxWithLossLayer } from "./softmax-with-loss.js";
import { splitLayer } from "./split.js";

const definitions: LayerDefinition[] = [
  batchNormLayer,
  biasLayer,
  convolutionLayer,
  dataLayer,
  deconvolutionLayer,
  imageDataLayer,
  innerProductLayer,
  inputLayer,
  poolingLayer,
  reluLayer,
  scaleLayer,
  softmaxLayer,
  softmaxWithLossLayer,
  splitLayer,
];

/** Layer definitions by type name, sorted by name. */
export const layerRegistry: Record<string, LayerDefinition> = Object.fromEntries(
  definitions.map((d) => [d.type, d] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);

export { LayerSetupError } from "./params.js";
