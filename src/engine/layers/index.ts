/**
 * The layer types the engine runs, by Caffe type name. A type missing here is
 * unsupported (the net names it in its error).
 */
import type { LayerDefinition } from "../types.js";
import { accuracyLayer } from "./accuracy.js";
import { batchNormLayer } from "./batch-norm.js";
import { biasLayer } from "./bias.js";
import { concatLayer } from "./concat.js";
import { convolutionLayer } from "./convolution.js";
import { dataLayer, imageDataLayer } from "./data.js";
import { deconvolutionLayer } from "./deconvolution.js";
import { dropoutLayer } from "./dropout.js";
import { eltwiseLayer } from "./eltwise.js";
import { eluLayer } from "./elu.js";
import { euclideanLossLayer } from "./euclidean-loss.js";
import { flattenLayer } from "./flatten.js";
import { innerProductLayer } from "./inner-product.js";
import { inputLayer } from "./input.js";
import { lrnLayer } from "./lrn.js";
import { poolingLayer } from "./pooling.js";
import { powerLayer } from "./power.js";
import { preluLayer } from "./prelu.js";
import { reluLayer } from "./relu.js";
import { reshapeLayer } from "./reshape.js";
import { scaleLayer } from "./scale.js";
import { sigmoidLayer } from "./sigmoid.js";
import { sigmoidCrossEntropyLossLayer } from "./sigmoid-cross-entropy-loss.js";
import { sliceLayer } from "./slice.js";
import { softmaxLayer } from "./softmax.js";
import { softmaxWithLossLayer } from "./softmax-with-loss.js";
import { splitLayer } from "./split.js";
import { tanhLayer } from "./tanh.js";

const definitions: LayerDefinition[] = [
  accuracyLayer, batchNormLayer, biasLayer, concatLayer, convolutionLayer, dataLayer, deconvolutionLayer,
  dropoutLayer, eltwiseLayer, eluLayer, euclideanLossLayer, flattenLayer, imageDataLayer, innerProductLayer,
  inputLayer, lrnLayer, poolingLayer, powerLayer, preluLayer, reluLayer, reshapeLayer, scaleLayer,
  sigmoidLayer, sigmoidCrossEntropyLossLayer, sliceLayer, softmaxLayer, softmaxWithLossLayer, splitLayer, tanhLayer,
];

/** Layer definitions by Caffe type name, in sorted key order. */
export const layerRegistry: Record<string, LayerDefinition> = Object.fromEntries(
  definitions.map((d) => [d.type, d] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);

export { LayerSetupError } from "./params.js";
