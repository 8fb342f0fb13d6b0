/**
 * Clip (clip_param min, max; both required): y = max(min, min(x, max)).
 * Gradient: dx = dy * (min <= x <= max), so both bounds pass the gradient.
 * As in Caffe min > max is not refused (every output is then min). In place,
 * the test reads the clipped value, which is always inside: the whole gradient
 * passes, as it does in Caffe.
 */
import { neuronLayer } from "./neuron-common.js";
import { check, has, num, sub } from "./params.js";

export const clipLayer = neuronLayer("Clip", (param) => {
  const cp = sub(param, "clip_param");
  check(param, has(cp, "min") && has(cp, "max"), "clip_param.min and clip_param.max are required");
  const min = Math.fround(num(cp, "min", 0)), max = Math.fround(num(cp, "max", 0));
  return {
    forward(x, y) { for (let i = 0; i < x.length; i++) y[i] = Math.max(min, Math.min(x[i]!, max)); },
    backward(x, _y, dy, dx) {
      for (let i = 0; i < x.length; i++) { const v = x[i]!; dx[i] = dy[i]! * +(v >= min && v <= max); }
    },
  };
});
