/**
 * Silence: takes any number of bottoms (at least one) and produces nothing,
 * so that unused blobs are not reported as net outputs. Forward does nothing;
 * backward writes zero diffs to the bottoms it is asked for, as Caffe's does.
 */
import type { LayerDefinition } from "../types.js";
import { wants } from "./params.js";

export const silenceLayer: LayerDefinition = {
  type: "Silence",
  bottoms: { min: 1 },
  tops: { exact: 0 },
  create() {
    return {
      params: [],
      reshape() {},
      forward() {},
      backward(_top, propagateDown, bot) {
        for (let i = 0; i < bot.length; i++) if (wants(propagateDown, i)) bot[i]!.diff.fill(0);
      },
    };
  },
};
