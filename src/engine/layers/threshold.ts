/**
 * Threshold (threshold_param threshold 0): y = 1 if x > threshold, else 0.
 * No gradient: Caffe's Backward is NOT_IMPLEMENTED (it aborts if asked). The
 * engine's backward only writes zeros to the bottom's diff when asked, and the
 * layer opts out of force_backward, so a net never propagates through it
 * meaningfully; put it where no loss needs its input's gradient.
 */
import { neuronLayer } from "./neuron-common.js";
import { num, sub } from "./params.js";

export const thresholdLayer = neuronLayer("Threshold", (param) => {
  const threshold = Math.fround(num(sub(param, "threshold_param"), "threshold", 0));
  return {
    forward(x, y) { for (let i = 0; i < x.length; i++) y[i] = +(x[i]! > threshold); },
    backward(_x, _y, _dy, dx) { dx.fill(0); },
  };
}, { allowForceBackward: false });
