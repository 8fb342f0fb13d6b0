/**
 * The layer types the engine runs, by Caffe type name. A type missing here is
 * unsupported (the net names it in its error).
 */
import type { LayerDefinition } from "../types.js";
import { absValLayer } from "./abs-val.js";
import { accuracyLayer } from "./accuracy.js";
import { argMaxLayer } from "./arg-max.js";
import { batchNormLayer } from "./batch-norm.js";
import { biasLayer } from "./bias.js";
import { bnllLayer } from "./bnll.js";
import { clipLayer } from "./clip.js";
import { concatLayer } from "./concat.js";
import { convolutionLayer } from "./convolution.js";
import { dataLayer, imageDataLayer } from "./data.js";
import { deconvolutionLayer } from "./deconvolution.js";
import { dropoutLayer } from "./dropout.js";
import { eltwiseLayer } from "./eltwise.js";
import { eluLayer } from "./elu.js";
import { embedLayer } from "./embed.js";
import { euclideanLossLayer } from "./euclidean-loss.js";
import { expLayer } from "./exp.js";
import { filterLayer } from "./filter.js";
import { flattenLayer } from "./flatten.js";
import { innerProductLayer } from "./inner-product.js";
import { inputLayer } from "./input.js";
import { logLayer } from "./log.js";
import { lrnLayer } from "./lrn.js";
import { mvnLayer } from "./mvn.js";
import { parameterLayer } from "./parameter.js";
import { poolingLayer } from "./pooling.js";
import { powerLayer } from "./power.js";
import { preluLayer } from "./prelu.js";
import { reductionLayer } from "./reduction.js";
import { reluLayer } from "./relu.js";
import { reshapeLayer } from "./reshape.js";
import { scaleLayer } from "./scale.js";
import { sigmoidLayer } from "./sigmoid.js";
import { sigmoidCrossEntropyLossLayer } from "./sigmoid-cross-entropy-loss.js";
import { silenceLayer } from "./silence.js";
import { sliceLayer } from "./slice.js";
import { softmaxLayer } from "./softmax.js";
import { softmaxWithLossLayer } from "./softmax-with-loss.js";
import { splitLayer } from "./split.js";
import { swishLayer } from "./swish.js";
import { tanhLayer } from "./tanh.js";
import { thresholdLayer } from "./threshold.js";
import { tileLayer } from "./tile.js";

const definitions: LayerDefinition[] = [
  absValLayer, accuracyLayer, argMaxLayer, batchNormLayer, biasLayer, bnllLayer, clipLayer, concatLayer,
  convolutionLayer, dataLayer, deconvolutionLayer, dropoutLayer, eltwiseLayer, eluLayer, embedLayer,
  euclideanLossLayer, expLayer, filterLayer, flattenLayer, imageDataLayer, innerProductLayer, inputLayer, logLayer,
  lrnLayer, mvnLayer, parameterLayer, poolingLayer, powerLayer, preluLayer, reductionLayer, reluLayer, reshapeLayer,
  scaleLayer, sigmoidLayer, sigmoidCrossEntropyLossLayer, silenceLayer, sliceLayer, softmaxLayer, softmaxWithLossLayer,
  splitLayer, swishLayer, tanhLayer, thresholdLayer, tileLayer,
];

/** Layer definitions by Caffe type name, in sorted key order. */
export const layerRegistry: Record<string, LayerDefinition> = Object.fromEntries(
  definitions.map((d) => [d.type, d] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);

export { LayerSetupError } from "./params.js";
