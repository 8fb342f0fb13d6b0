/**
 * ELU: y = x for x > 0, alpha (exp(x) - 1) otherwise (alpha = elu_param.alpha, 1).
 * Gradient: dx = dy for x > 0, dy (y + alpha) otherwise.
 */
import { neuronLayer } from "./neuron-common.js";
import { num, sub } from "./params.js";

export const eluLayer = neuronLayer("ELU", (param) => {
  const alpha = num(sub(param, "elu_param"), "alpha", 1);
  return {
    forward(x, y) { for (let i = 0; i < x.length; i++) { const v = x[i]!; y[i] = v > 0 ? v : alpha * (Math.exp(v) - 1); } },
    backward(x, y, dy, dx) { for (let i = 0; i < x.length; i++) dx[i] = x[i]! > 0 ? dy[i]! : dy[i]! * (y[i]! + alpha); },
  };
});
