/**
 * Caffe's DataTransformer for one record (TransformationParameter): optional
 * crop (random offsets in TRAIN, centred in TEST), optional random mirror (in
 * both phases: Caffe's transformer does not look at the phase for mirroring, so
 * `mirror: true` in a TEST transform_param flips half the test images), subtraction of a mean image or of per-channel mean values, then
 * multiplication by `scale`:
 *   out[c, y, x] = (pixel[c, y + h_off, x' + w_off] - mean) * scale,
 *   x' = mirror ? crop_w - 1 - x : x,
 * where the mean image is indexed at the uncropped position, like Caffe.
 * Random draws come from the caller's generator in Caffe's order: mirror, then
 * h_off, then w_off.
 */
import type { DatumLike, LayerContext, LayerParameter, MeanImage } from "../types.js";
import { check, fail, has, nums, num, bool, str, sub } from "./params.js";

/** The settings of a transform_param, with Caffe's defaults. */
export interface TransformSettings {
  scale: number;
  mirror: boolean;
  cropSize: number;
  meanImage?: MeanImage;
  meanValues: number[];
}

export function readTransform(param: LayerParameter, ctx: LayerContext): TransformSettings {
  const tp = sub(param, "transform_param");
  const meanValues = nums(tp, "mean_value");
  let meanImage: MeanImage | undefined;
  if (has(tp, "mean_file")) {
    check(param, meanValues.length === 0, "transform_param cannot have both mean_file and mean_value");
    const file = str(tp, "mean_file", "");
    meanImage = ctx.meanImage?.(file);
    check(param, meanImage !== undefined, `mean_file "${file}" could not be read`);
  }
  return { scale: num(tp, "scale", 1), mirror: bool(tp, "mirror", false), cropSize: num(tp, "crop_size", 0), meanImage, meanValues };
}

/** Output [C, H, W] of a record of the given size. */
export function transformedShape(t: TransformSettings, channels: number, height: number, width: number): [number, number, number] {
  return t.cropSize > 0 ? [channels, t.cropSize, t.cropSize] : [channels, height, width];
}

/** Transform `datum` into out[outOff..] (C x outH x outW). */
export function transformDatum(
  param: LayerParameter, t: TransformSettings, datum: DatumLike, phase: "TRAIN" | "TEST",
  random: () => number, out: Float32Array, outOff: number,
): void {
  const { channels: C, height: H, width: W } = datum;
  if (datum.encoded) fail(param, "encoded records (compressed images) must be decoded before they reach the engine");
  const crop = t.cropSize;
  if (crop > H || crop > W) fail(param, `crop_size ${crop} is larger than the record (${H} x ${W})`);
  const doMirror = t.mirror && Math.floor(random() * 2) === 1;
  let hOff = 0, wOff = 0;
  const outH = crop > 0 ? crop : H, outW = crop > 0 ? crop : W;
  if (crop > 0) {
    if (phase === "TRAIN") {
      hOff = Math.floor(random() * (H - crop + 1));
      wOff = Math.floor(random() * (W - crop + 1));
    } else {
      hOff = Math.floor((H - crop) / 2);
      wOff = Math.floor((W - crop) / 2);
    }
  }
  const mean = t.meanImage;
  if (mean && mean.data.length !== C * H * W) {
    fail(param, `mean_file has shape [${mean.shape.join(", ")}] but records are ${C} x ${H} x ${W}`);
  }
  const mv = t.meanValues;
  if (!(mv.length === 0 || mv.length === 1 || mv.length === C)) {
    fail(param, `mean_value must be given once or once per channel (${C} channels, ${mv.length} values)`);
  }
  const bytes = datum.data !== undefined && datum.data.length > 0 ? datum.data : undefined;
  const floats = datum.float_data;
  const stored = bytes?.length ?? floats?.length ?? 0;
  if (stored !== C * H * W) fail(param, `record has ${stored} values, expected ${C} x ${H} x ${W}`);
  for (let c = 0; c < C; c++) {
    const meanValue = mv.length === 0 ? 0 : mv.length === 1 ? mv[0]! : mv[c]!;
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        const src = (c * H + y + hOff) * W + x + wOff;
        const dst = outOff + (c * outH + y) * outW + (doMirror ? outW - 1 - x : x);
        const v = bytes ? bytes[src]! : floats![src]!;
        out[dst] = mean ? (v - mean.data[src]!) * t.scale : (v - meanValue) * t.scale;
      }
    }
  }
}
