/**
 * The NetParameter the engine runs for a probe: the phase's layers with every
 * input layer rewritten into what the engine feeds (a Data layer over the real
 * LMDB or over synthetic records, or an Input layer the probe fills), at the
 * probe's batch size and, for a scaled probe, at a reduced spatial size.
 * Pooling layers whose window covers their whole input at full size become
 * global pooling, so that they still cover it at the reduced size.
 */
import { buildPhaseNet } from "../model/build.js";
import { num, str, sub } from "../model/access.js";
import type { PhaseNet } from "../model/types.js";
import type { PlainMessage } from "../schema/types.js";
import { SYNTHETIC_MEAN, type InputPlan, type SourcePlan } from "./inputs.js";

/** Batch and spatial scale of a probe run (factor 1: the net's own input size). */
export interface ProbeScale {
  batch: number;
  /** Multiplier of every image input's height and width (≤ 1). */
  factor: number;
  /** Names of Pooling layers to run as global pooling (their window covers the input at full size). */
  globalPools: ReadonlySet<string>;
}

export const FULL_SIZE = (batch: number): ProbeScale => ({ batch, factor: 1, globalPools: new Set() });

/** A spatial size at `factor` (at least 1). */
export function scaleDim(size: number, factor: number): number {
  return factor === 1 ? size : Math.max(1, Math.round(size * factor));
}

/** A top's shape at the probe's scale: batch replaced; height and width of 4-D image-like tops scaled. */
export function scaledShape(shape: readonly number[], kind: string, scale: ProbeScale): number[] {
  const out = [scale.batch, ...shape.slice(1)];
  if (out.length === 4 && (kind === "image" || kind === "float")) {
    out[2] = scaleDim(out[2]!, scale.factor);
    out[3] = scaleDim(out[3]!, scale.factor);
  }
  return out;
}

function inputLayer(source: SourcePlan, scale: ProbeScale): PlainMessage {
  return {
    name: source.layer,
    type: "Input",
    top: source.tops.map((t) => t.blob),
    input_param: { shape: source.tops.map((t) => ({ dim: scaledShape(t.shape, t.kind, scale) })) },
  };
}

/** The Data layer a records- or lmdb-mode source becomes. */
function dataLayer(source: SourcePlan, scale: ProbeScale): { layer: PlainMessage; record: [number, number, number] } {
  const transform = structuredClone(source.transform ?? {}) as PlainMessage;
  let record = source.record!;
  if (scale.factor !== 1) {
    const crop = num(transform, "crop_size", 0);
    if (source.mode === "lmdb") {
      // Real records keep their size: a smaller crop of them.
      transform["crop_size"] = scaleDim(crop > 0 ? crop : Math.min(record[1], record[2]), scale.factor);
    } else {
      record = [record[0], scaleDim(record[1], scale.factor), scaleDim(record[2], scale.factor)];
      if (crop > 0) transform["crop_size"] = Math.min(scaleDim(crop, scale.factor), record[1], record[2]);
      if (str(transform, "mean_file") !== undefined) {
        // A mean image of the full size does not fit the smaller synthetic records.
        delete transform["mean_file"];
        transform["mean_value"] = [SYNTHETIC_MEAN];
      }
    }
  }
  const layer: PlainMessage = { name: source.layer, type: "Data", top: source.tops.map((t) => t.blob), data_param: { batch_size: scale.batch } };
  if (Object.keys(transform).length > 0) layer["transform_param"] = transform;
  return { layer, record };
}

function globalPool(param: PlainMessage): PlainMessage {
  const copy = structuredClone(param) as PlainMessage;
  const p = { ...(sub(copy, "pooling_param") ?? {}) };
  for (const field of ["kernel_size", "kernel_h", "kernel_w", "stride", "stride_h", "stride_w", "pad", "pad_h", "pad_w"]) delete p[field];
  p["global_pooling"] = true;
  copy["pooling_param"] = p;
  return copy;
}

export interface ProbeNet {
  /** What the engine builds. */
  net: PlainMessage;
  /** Record shapes of the synthetic Data layers, by layer name. */
  records: Map<string, { channels: number; height: number; width: number; labels?: number }>;
}

/**
 * The engine's net for `phase` fed as `plan` says, at `scale`. With `forShapes`,
 * every input becomes an Input layer of its top shapes (for static shape inference).
 */
export function probeNet(phase: PhaseNet, netParam: PlainMessage, plan: InputPlan, scale: ProbeScale, forShapes = false): ProbeNet {
  const byIndex = new Map(plan.sources.map((s) => [s.index, s]));
  const records: ProbeNet["records"] = new Map();
  const layers: PlainMessage[] = [];
  const netInput = byIndex.get(-1);
  if (netInput) layers.push(inputLayer(netInput, scale));
  for (const node of phase.layers) {
    const source = byIndex.get(node.index);
    if (source) {
      if (source.mode === "fill" || forShapes) {
        const shaped = forShapes && source.mode !== "fill" ? withRecordShapes(source, scale) : source;
        layers.push(inputLayer(shaped, { ...scale, factor: forShapes && source.mode !== "fill" ? 1 : scale.factor }));
      } else {
        const { layer, record } = dataLayer(source, scale);
        layers.push(layer);
        const label = source.tops[1];
        records.set(source.layer, { channels: record[0], height: record[1], width: record[2], ...(label?.classes ? { labels: label.classes } : {}) });
      }
      continue;
    }
    layers.push(scale.globalPools.has(node.name) ? globalPool(node.param) : (structuredClone(node.param) as PlainMessage));
  }
  return { net: { name: str(netParam, "name", "net"), layer: layers, ...(netParam["force_backward"] !== undefined ? { force_backward: netParam["force_backward"] } : {}) }, records };
}

/** A records-mode source with its tops' shapes as the Data layer would produce them at `scale`. */
function withRecordShapes(source: SourcePlan, scale: ProbeScale): SourcePlan {
  const { layer, record } = dataLayer(source, scale);
  const crop = num(sub(layer, "transform_param"), "crop_size", 0);
  const h = crop > 0 ? crop : record[1];
  const w = crop > 0 ? crop : record[2];
  return { ...source, tops: source.tops.map((t, i) => ({ ...t, shape: i === 0 ? [scale.batch, record[0], h, w] : [scale.batch, ...t.shape.slice(1)] })) };
}

/** Static shapes of the probe net (layers the model cannot infer give unknown shapes). */
export function probeShapes(phase: PhaseNet, netParam: PlainMessage, plan: InputPlan, scale: ProbeScale): PhaseNet {
  return buildPhaseNet(probeNet(phase, netParam, plan, scale, true).net, phase.state);
}
