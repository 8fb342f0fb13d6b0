/**
 * Data and ImageData: batches of records through Caffe's DataTransformer.
 *   top[0] = [batch_size, C, H', W'] transformed pixels (see data-transform.ts),
 *   top[1] = [batch_size] labels (optional).
 * Records come from ctx.recordSource(layer) in order; the first record fixes
 * the shape (Caffe peeks it at SetUp without consuming it). Without a source,
 * batches are synthetic: records of ctx.syntheticRecordShape(layer) (for
 * ImageData, else from new_height/new_width and is_color) with uniform random
 * byte pixels and labels uniform in [0, labels), all drawn from ctx.random.
 * ImageData records must already be decoded and resized by the host.
 * No backward: these layers have no bottoms.
 */
import type { DatumLike, LayerContext, LayerDefinition, LayerParameter, RecordSource } from "../types.js";
import { reshapeBlob } from "../blob.js";
import { check, fail, num, bool, sub } from "./params.js";
import { readTransform, transformDatum, transformedShape } from "./data-transform.js";

function syntheticSource(param: LayerParameter, ctx: LayerContext, fallback?: { channels: number; height: number; width: number }): RecordSource | undefined {
  const shape = ctx.syntheticRecordShape?.(param) ?? fallback;
  if (!shape) return undefined;
  const { channels, height, width } = shape;
  const labels = "labels" in shape && typeof shape.labels === "number" && shape.labels > 0 ? shape.labels : 1;
  const bytes = new Uint8Array(channels * height * width);
  const datum: DatumLike = { channels, height, width, data: bytes, label: 0 };
  return {
    next() {
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(ctx.random() * 256);
      datum.label = Math.floor(ctx.random() * labels);
      return datum;
    },
  };
}

function makeDataLayer(type: string, paramField: string): LayerDefinition {
  return {
    type,
    bottoms: { exact: 0 },
    tops: { min: 1, max: 2 },
    create(param, _bottom, ctx) {
      const dp = sub(param, paramField);
      const batch = num(dp, "batch_size", paramField === "image_data_param" ? 1 : 0);
      check(param, batch > 0, `${paramField}.batch_size must be positive (got ${batch})`);
      const transform = readTransform(param, ctx);
      let fallback: { channels: number; height: number; width: number } | undefined;
      if (paramField === "image_data_param" && num(dp, "new_height", 0) > 0 && num(dp, "new_width", 0) > 0) {
        fallback = { channels: bool(dp, "is_color", true) ? 3 : 1, height: num(dp, "new_height", 0), width: num(dp, "new_width", 0) };
      }
      const source = ctx.recordSource?.(param) ?? syntheticSource(param, ctx, fallback);
      check(param, source !== undefined, "no records to read and no declared record shape for synthetic batches");
      let pending: DatumLike | undefined = source.next();
      const first = { channels: pending.channels, height: pending.height, width: pending.width };
      const [C, H, W] = transformedShape(transform, first.channels, first.height, first.width);
      const perRecord = C * H * W;
      return {
        params: [],
        reshape(_b, top) {
          reshapeBlob(top[0]!, [batch, C, H, W]);
          if (top[1]) reshapeBlob(top[1], [batch]);
        },
        forward(_b, top) {
          for (let i = 0; i < batch; i++) {
            const datum = pending ?? source.next();
            pending = undefined;
            if (datum.channels !== first.channels || datum.height !== first.height || datum.width !== first.width) {
              fail(param, `record of ${datum.channels} x ${datum.height} x ${datum.width} differs from the first record's ${first.channels} x ${first.height} x ${first.width}`);
            }
            transformDatum(param, transform, datum, ctx.phase, ctx.random, top[0]!.data, i * perRecord);
            if (top[1]) top[1].data[i] = datum.label;
          }
        },
        backward() {},
      };
    },
  };
}

export const dataLayer = makeDataLayer("Data", "data_param");
export const imageDataLayer = makeDataLayer("ImageData", "image_data_param");
