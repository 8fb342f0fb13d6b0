/**
 * Parameter (parameter_param.shape): no bottoms; one learnable blob of the given
 * shape, exposed as the top. As in Caffe (Forward does top.ShareData and
 * top.ShareDiff with the blob), the top is the parameter itself: it holds the
 * blob's data and diff arrays, so whatever the consumers write into the top's
 * diff is the parameter's gradient, and backward has nothing left to do.
 * The sharing is renewed at every reshape and forward, since the net may swap
 * the blob's arrays for a shared owner's after SetUp. Caffe gives no filler:
 * the blob starts at zero (a caffemodel or training sets it).
 */
import type { Blob, LayerDefinition } from "../types.js";
import { makeBlob } from "../blob.js";
import { blobShapeDims, check, sub } from "./params.js";

export const parameterLayer: LayerDefinition = {
  type: "Parameter",
  bottoms: { exact: 0 },
  tops: { exact: 1 },
  create(param) {
    const dims = blobShapeDims(sub(sub(param, "parameter_param"), "shape"));
    check(param, dims.every((d) => Number.isInteger(d) && d >= 0), `parameter_param.shape has a bad dim in [${dims.join(", ")}]`);
    const blob = makeBlob(dims);
    const share = (top: Blob): void => {
      top.shape = [...blob.shape];
      top.data = blob.data;
      top.diff = blob.diff;
    };
    return {
      params: [blob],
      reshape(_bot, top) { share(top[0]!); },
      forward(_bot, top) { share(top[0]!); },
      backward() {},
    };
  },
};
