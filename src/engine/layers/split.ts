/**
 * Split: every top is a copy of the bottom; dx = Σ_tops dy.
 * (Caffe shares the data instead of copying; the values are the same.)
 */
import type { LayerDefinition } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { wants } from "./params.js";

export const splitLayer: LayerDefinition = {
  type: "Split",
  bottoms: { exact: 1 },
  tops: { min: 1 },
  create() {
    return {
      params: [],
      reshape(bot, top) { for (const t of top) if (t !== bot[0]) reshapeBlob(t, bot[0]!.shape); },
      forward(bot, top) { for (const t of top) if (t !== bot[0]) t.data.set(bot[0]!.data); },
      backward(top, propagateDown, bot) {
        if (!wants(propagateDown, 0)) return;
        const dx = bot[0]!.diff;
        if (top[0] !== bot[0]) dx.set(top[0]!.diff);
        for (let t = 1; t < top.length; t++) {
          const dy = top[t]!.diff;
          for (let i = 0; i < dx.length; i++) dx[i] += dy[i]!;
        }
      },
    };
  },
};
