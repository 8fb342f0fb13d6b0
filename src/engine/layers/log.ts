/**
 * Log (log_param base -1 = e, scale 1, shift 0): y = log_base(shift + scale x),
 * computed as Caffe does: ln(shift + scale x) * (1 / ln(base)), the factor being
 * 1 for the default base. Gradient: dx = dy * (scale / ln(base)) / (shift + scale x).
 * base must be positive (or -1) and not 1. Non-positive arguments give NaN or
 * -Infinity as in Caffe. The gradient reads the input: in place it reads y
 * instead, as Caffe's does.
 */
import { neuronLayer } from "./neuron-common.js";
import { check, num, sub } from "./params.js";

export const logLayer = neuronLayer("Log", (param) => {
  const lp = sub(param, "log_param");
  const base = Math.fround(num(lp, "base", -1)), scale = Math.fround(num(lp, "scale", 1)), shift = Math.fround(num(lp, "shift", 0));
  const natural = base === -1;
  check(param, natural || base > 0, `base must be strictly positive, or -1 for e (got ${base})`);
  const logBase = natural ? 1 : Math.fround(Math.log(base));
  check(param, Number.isFinite(logBase), `log(base) is not finite for base ${base}`);
  const baseScale = Math.fround(1 / logBase);
  check(param, Number.isFinite(baseScale), `1 / log(base) is not finite for base ${base}`);
  const backwardScale = Math.fround(scale / logBase);
  return {
    forward(x, y) {
      for (let i = 0; i < x.length; i++) {
        const arg = Math.fround(Math.fround(scale * x[i]!) + shift);
        y[i] = Math.fround(Math.log(arg)) * baseScale;
      }
    },
    backward(x, _y, dy, dx) {
      for (let i = 0; i < x.length; i++) {
        const arg = Math.fround(Math.fround(scale * x[i]!) + shift);
        dx[i] = dy[i]! * Math.fround(Math.fround(1 / arg) * backwardScale);
      }
    },
  };
});
