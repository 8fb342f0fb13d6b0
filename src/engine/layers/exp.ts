/**
 * Exp (exp_param base -1 = e, scale 1, shift 0): y = base^(shift + scale x),
 * computed as Caffe does: y = outer * exp(inner x) with inner = ln(base) * scale
 * (ln(base) = 1 exactly for the default base) and outer = base^shift (1 when
 * shift is 0). Gradient: dx = dy * y * inner. base must be positive (or -1).
 */
import { neuronLayer } from "./neuron-common.js";
import { check, num, sub } from "./params.js";

export const expLayer = neuronLayer("Exp", (param) => {
  const ep = sub(param, "exp_param");
  const base = Math.fround(num(ep, "base", -1)), scale = Math.fround(num(ep, "scale", 1)), shift = Math.fround(num(ep, "shift", 0));
  const natural = base === -1;
  check(param, natural || base > 0, `base must be strictly positive, or -1 for e (got ${base})`);
  const logBase = natural ? 1 : Math.fround(Math.log(base));
  check(param, Number.isFinite(logBase), `log(base) is not finite for base ${base}`);
  const inner = Math.fround(logBase * scale);
  const outer = shift === 0 ? 1 : Math.fround(natural ? Math.exp(shift) : Math.pow(base, shift));
  return {
    forward(x, y) {
      for (let i = 0; i < x.length; i++) y[i] = outer * Math.fround(Math.exp(Math.fround(inner * x[i]!)));
    },
    backward(_x, y, dy, dx) {
      for (let i = 0; i < y.length; i++) dx[i] = Math.fround(y[i]! * dy[i]!) * inner;
    },
  };
});
