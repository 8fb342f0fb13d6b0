/**
 * Layers that only change the shape (Flatten, Reshape): the top holds the same
 * values in the same order, dx = dy. (Caffe shares the memory; the engine copies.)
 */
import type { Blob, LayerDefinition, LayerParameter } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { wants } from "./params.js";

export function shapeOnlyLayer(type: string, topShape: (param: LayerParameter, bottom: Blob) => number[]): LayerDefinition {
  return {
    type,
    bottoms: { exact: 1 },
    tops: { exact: 1 },
    create(param) {
      return {
        params: [],
        reshape(bot, top) {
          const shape = topShape(param, bot[0]!);
          if (top[0] === bot[0]) top[0]!.shape = shape;
          else reshapeBlob(top[0]!, shape);
        },
        forward(bot, top) { if (top[0] !== bot[0]) top[0]!.data.set(bot[0]!.data); },
        backward(top, propagateDown, bot) { if (wants(propagateDown, 0) && top[0] !== bot[0]) bot[0]!.diff.set(top[0]!.diff); },
      };
    },
  };
}
