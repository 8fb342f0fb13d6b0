/**
 * BNLL ("binomial normal log likelihood", softplus):
 *   y = x + log(1 + exp(-x))  for x > 0,   y = log(1 + exp(x))  otherwise.
 * Gradient: dx = dy * e / (e + 1) with e = exp(min(x, 50)) (Caffe's kBNLL_THRESHOLD).
 * As in Caffe, log(1 + .) is taken in double rather than log1p, so inputs below
 * about -37 give exactly 0. The gradient reads the input: in place it reads y
 * instead, as Caffe's does.
 */
import { neuronLayer } from "./neuron-common.js";

const BNLL_THRESHOLD = 50;

export const bnllLayer = neuronLayer("BNLL", () => ({
  forward(x, y) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      y[i] = v > 0 ? v + Math.log(1 + Math.exp(-v)) : Math.log(1 + Math.exp(v));
    }
  },
  backward(x, _y, dy, dx) {
    for (let i = 0; i < x.length; i++) {
      const e = Math.fround(Math.exp(Math.min(x[i]!, BNLL_THRESHOLD)));
      dx[i] = (dy[i]! * e) / (e + 1);
    }
  },
}));
