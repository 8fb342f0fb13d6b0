/**
 * Parameter initialisation with the semantics of Caffe's FillerParameter
 * (filler.hpp): constant, uniform, gaussian (optionally sparse), xavier, msra,
 * bilinear and positive_unitball. Randomness comes from the caller's seeded
 * `random`, so fills are reproducible but not bit-identical to Caffe's.
 */
import type { Blob } from "./types.js";
import type { PlainMessage } from "../schema/types.js";
import { gaussian } from "./rng.js";

/** A filler setting that Caffe would reject (bad type, sparsity where unsupported, bad shape). */
export class FillerError extends Error {
  override name = "FillerError";
}

function numberField(filler: PlainMessage | undefined, field: string, fallback: number): number {
  const v = filler?.[field];
  return typeof v === "number" ? v : typeof v === "string" ? Number(v) : fallback;
}

function stringField(filler: PlainMessage | undefined, field: string, fallback: string): string {
  const v = filler?.[field];
  return typeof v === "string" ? v : fallback;
}

function count(blob: Blob): number {
  return blob.data.length;
}

/** Caffe's fan sizes: fan_in = count / shape[0], fan_out = count / shape[1] (count when 1-d). */
export function fanSizes(shape: number[]): { fanIn: number; fanOut: number } {
  const n = shape.reduce((a, b) => a * b, 1);
  const fanIn = shape.length > 0 && shape[0]! > 0 ? n / shape[0]! : n;
  const fanOut = shape.length > 1 && shape[1]! > 0 ? n / shape[1]! : n;
  return { fanIn, fanOut };
}

function varianceNormFan(shape: number[], filler: PlainMessage | undefined): number {
  const { fanIn, fanOut } = fanSizes(shape);
  const norm = stringField(filler, "variance_norm", "FAN_IN");
  if (norm === "FAN_IN") return fanIn;
  if (norm === "FAN_OUT") return fanOut;
  if (norm === "AVERAGE") return (fanIn + fanOut) / 2;
  throw new FillerError(`unknown variance_norm "${norm}" (expected FAN_IN, FAN_OUT or AVERAGE)`);
}

function rejectSparse(type: string, filler: PlainMessage | undefined): void {
  const sparse = numberField(filler, "sparse", -1);
  if (sparse !== -1) throw new FillerError(`filler "${type}" does not support sparse (got sparse: ${sparse})`);
}

function fillUniform(data: Float32Array, lo: number, hi: number, random: () => number): void {
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * random();
}

/**
 * Fill `blob.data` as Caffe's filler for `filler` would (type defaults to
 * "constant" with value 0). Throws FillerError for settings Caffe rejects.
 */
export function fillBlob(blob: Blob, filler: PlainMessage | undefined, random: () => number): void {
  const type = stringField(filler, "type", "constant");
  const data = blob.data;
  switch (type) {
    case "constant": {
      rejectSparse(type, filler);
      data.fill(numberField(filler, "value", 0));
      return;
    }
    case "uniform": {
      rejectSparse(type, filler);
      const min = numberField(filler, "min", 0);
      const max = numberField(filler, "max", 1);
      // caffe_rng_uniform checks a <= b.
      if (!(min <= max)) throw new FillerError(`uniform filler needs min <= max (got min: ${min}, max: ${max})`);
      fillUniform(data, min, max, random);
      return;
    }
    case "gaussian": {
      const mean = numberField(filler, "mean", 0);
      const std = numberField(filler, "std", 1);
      // caffe_rng_gaussian checks sigma > 0: std 0 aborts Caffe.
      if (!(std > 0)) throw new FillerError(`gaussian filler needs std > 0 (got std: ${std})`);
      for (let i = 0; i < data.length; i++) data[i] = gaussian(random, mean, std);
      const sparse = numberField(filler, "sparse", -1);
      if (sparse >= 0) {
        // Keep each weight with probability sparse / num_outputs (num_outputs = shape[0]).
        if (blob.shape.length < 1) throw new FillerError("sparse gaussian filler needs a blob with at least one axis");
        const numOutputs = blob.shape[0]!;
        const keep = sparse / numOutputs;
        if (keep > 1) throw new FillerError(`sparse (${sparse}) exceeds the number of outputs (${numOutputs})`);
        for (let i = 0; i < data.length; i++) if (!(random() < keep)) data[i] = 0;
      }
      return;
    }
    case "positive_unitball": {
      rejectSparse(type, filler);
      fillUniform(data, 0, 1, random);
      // Each of the shape[0] rows sums to one.
      const num = blob.shape.length > 0 ? blob.shape[0]! : 1;
      const dim = num > 0 ? count(blob) / num : 0;
      for (let r = 0; r < num; r++) {
        let sum = 0;
        for (let j = 0; j < dim; j++) sum += data[r * dim + j]!;
        for (let j = 0; j < dim; j++) data[r * dim + j] = data[r * dim + j]! / sum;
      }
      return;
    }
    case "xavier": {
      rejectSparse(type, filler);
      const scale = Math.sqrt(3 / varianceNormFan(blob.shape, filler));
      fillUniform(data, -scale, scale, random);
      return;
    }
    case "msra": {
      rejectSparse(type, filler);
      const std = Math.sqrt(2 / varianceNormFan(blob.shape, filler));
      for (let i = 0; i < data.length; i++) data[i] = gaussian(random, 0, std);
      return;
    }
    case "bilinear": {
      const s = blob.shape;
      if (s.length !== 4) throw new FillerError(`bilinear filler needs a 4-d blob (got shape [${s.join(", ")}])`);
      if (s[2] !== s[3]) throw new FillerError(`bilinear filler needs square kernels (got ${s[2]}x${s[3]})`);
      rejectSparse(type, filler);
      const width = s[3]!;
      const height = s[2]!;
      const f = Math.ceil(width / 2);
      const c = (2 * f - 1 - (f % 2)) / (2 * f);
      for (let i = 0; i < data.length; i++) {
        const x = i % width;
        const y = Math.floor(i / width) % height;
        data[i] = (1 - Math.abs(x / f - c)) * (1 - Math.abs(y / f - c));
      }
      return;
    }
    default:
      throw new FillerError(`unknown filler type "${type}"`);
  }
}
