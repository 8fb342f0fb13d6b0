/**
 * Element-wise ("neuron") layers: one bottom, one same-shaped top (in place
 * allowed), a forward map and a backward rule that may read x, y and dy.
 */
import type { LayerDefinition, LayerParameter } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { wants } from "./params.js";

export interface NeuronKernels {
  forward(x: Float32Array, y: Float32Array): void;
  /** dx from x (the bottom data; equals y in place), y and dy. */
  backward(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
}

export interface NeuronOptions {
  /** false for layers without a gradient (force_backward leaves their bottom alone). */
  allowForceBackward?: boolean;
}

/** A LayerDefinition for an element-wise layer whose kernels depend on the parameters. */
export function neuronLayer(type: string, kernels: (param: LayerParameter) => NeuronKernels, options: NeuronOptions = {}): LayerDefinition {
  const allowForce = options.allowForceBackward ?? true;
  return {
    type,
    bottoms: { exact: 1 },
    tops: { exact: 1 },
    create(param) {
      const k = kernels(param);
      return {
        params: [],
        ...(allowForce ? {} : { allowForceBackward: () => false }),
        reshape(bot, top) { if (top[0] !== bot[0]) reshapeBlob(top[0]!, bot[0]!.shape); },
        forward(bot, top) { k.forward(bot[0]!.data, top[0]!.data); },
        backward(top, propagateDown, bot) {
          if (wants(propagateDown, 0)) k.backward(bot[0]!.data, top[0]!.data, top[0]!.diff, bot[0]!.diff);
        },
      };
    },
  };
}
