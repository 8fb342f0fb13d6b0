/**
 * Power: y = (shift + scale x)^power (power 1, scale 1, shift 0 by default).
 * Gradient dx = dy * power * scale * (shift + scale x)^(power - 1), computed the
 * way Caffe does: constant power * scale when power is 0 or 1 or scale is 0;
 * for power 2 directly; for shift 0 as power * y / x (NaN at x = 0, as in Caffe);
 * otherwise power * scale * y / (shift + scale x).
 */
import { neuronLayer } from "./neuron-common.js";
import { num, sub } from "./params.js";

export const powerLayer = neuronLayer("Power", (param) => {
  const pp = sub(param, "power_param");
  const power = num(pp, "power", 1), scale = num(pp, "scale", 1), shift = num(pp, "shift", 0);
  const diffScale = power * scale;
  return {
    forward(x, y) {
      if (diffScale === 0) { y.fill(power === 0 ? 1 : Math.pow(shift, power)); return; }
      for (let i = 0; i < x.length; i++) y[i] = Math.pow(shift + scale * x[i]!, power);
    },
    backward(x, y, dy, dx) {
      for (let i = 0; i < x.length; i++) {
        let g: number;
        if (diffScale === 0 || power === 1) g = diffScale;
        else if (power === 2) g = diffScale * (shift + scale * x[i]!);
        else if (shift === 0) g = (power * y[i]!) / x[i]!;
        else g = (diffScale * y[i]!) / (shift + scale * x[i]!);
        dx[i] = dy[i]! * g;
      }
    },
  };
});
