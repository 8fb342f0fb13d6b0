/**
 * What the probe feeds each input of the TRAIN (or deploy) net: the real
 * LMDB where it can read one, otherwise synthetic values of the shape the net
 * implies, as such a data layer would deliver them. Image-like inputs are
 * 0-255 bytes put through the layer's own transform_param (so raw input stays
 * raw and a missing scale still shows); labels are spread over
 * 0..num_output-1 of the classifier the label blob feeds.
 *
 * Shapes come, in order, from what the user gave (`--input-shape`, the
 * configuration's `datasets`), the dataset itself, a readable mean file, the
 * layer's own parameters (crop_size, new_height/new_width, Input and
 * input_shape dims, MemoryData's sizes) and, where the net says nothing about
 * an input's size (a Data layer without crop_size whose LMDB is absent, an
 * HDF5Data layer), an assumed size that the report names together with the
 * flag that sets it.
 */
import { bool, num, nums, str, strs, sub, subs } from "../model/access.js";
import type { LayerNode, PhaseNet } from "../model/types.js";
import type { PlainMessage } from "../schema/types.js";

/** How one top of an input layer is filled. */
export type FeedKind = "image" | "label" | "binary" | "float";

export interface TopFeed {
  blob: string;
  /** The shape the net sees, batch first (the batch is the net's own here). */
  shape: number[];
  kind: FeedKind;
  /** Label count (labels are uniform in 0..classes-1). */
  classes?: number;
}

/**
 * One input layer of the net and how it is fed:
 * - `lmdb`: a Data layer reading its real LMDB;
 * - `records`: synthetic byte records through the layer's transform (Data, ImageData, WindowData, MemoryData);
 * - `fill`: synthetic values written straight into the tops (Input layers, net inputs, HDF5Data).
 */
export interface SourcePlan {
  layer: string;
  /** The layer's type as written ("(net input)" for deprecated net-level inputs). */
  type: string;
  mode: "lmdb" | "records" | "fill";
  /** For `lmdb` and `records`: one record's [channels, height, width] before the transform. */
  record?: [number, number, number];
  /** The transform_param the probe uses (the layer's own, adapted when its mean file cannot be read). */
  transform?: PlainMessage;
  tops: TopFeed[];
  /** For `lmdb`: the dataset in words ("train_lmdb (LMDB, 256 records)"). */
  dataset?: string;
  /** Index of the layer in the phase net (-1 for net inputs). */
  index: number;
  /** What had to be assumed, with the flag that would replace the assumption. */
  assumed?: string;
  /** Other adaptations, in words (a mean file replaced by its value, ...). */
  notes: string[];
}

export interface InputPlan {
  sources: SourcePlan[];
  /** Why the probe cannot feed this net, when it cannot. */
  blocked?: string;
}

export interface PlanContext {
  /** Shapes the user gave, by top blob or layer name (batch first; the batch is ignored for records). */
  givenShapes: ReadonlyMap<string, number[]>;
  /** The readable LMDB of a Data layer, with the shape of its records. */
  lmdb?: (layer: LayerNode) => { record: [number, number, number]; description: string } | undefined;
  /** [C, H, W] of a mean file when it can be read. */
  meanShape?: (file: string) => number[] | undefined;
}

/** Where the net says nothing about an input's size: colour images of this size. */
export const ASSUMED_RECORD: [number, number, number] = [3, 32, 32];
/** The mean the probe subtracts when a layer's mean file cannot be read: the synthetic bytes' own mean. */
export const SYNTHETIC_MEAN = 127.5;

/** Loss and metric types and which bottom carries the label, with how it is used. */
const LABEL_BOTTOMS: Record<string, { index: number; kind: FeedKind }> = {
  SoftmaxWithLoss: { index: 1, kind: "label" },
  Accuracy: { index: 1, kind: "label" },
  InfogainLoss: { index: 1, kind: "label" },
  MultinomialLogisticLoss: { index: 1, kind: "label" },
  HingeLoss: { index: 1, kind: "label" },
  SigmoidCrossEntropyLoss: { index: 1, kind: "binary" },
  ContrastiveLoss: { index: 2, kind: "binary" },
  EuclideanLoss: { index: 1, kind: "float" },
};

/** The num_output of the layer that produces `blob` (the classifier), following in-place layers back. */
function classifierOutputs(net: PhaseNet, blob: string): number | undefined {
  const producers = net.blobs.get(blob)?.producers ?? [];
  for (let i = producers.length - 1; i >= 0; i--) {
    const p = producers[i]!;
    const n = num(sub(p.param, "inner_product_param"), "num_output") ?? num(sub(p.param, "convolution_param"), "num_output");
    if (n !== undefined) return n;
    const shape = p.topShapes[p.tops.indexOf(blob)];
    if (shape && shape.length >= 2) return shape[1];
  }
  return undefined;
}

/** How a top is used downstream: as a label (with its class count), a binary target, a float target or an image. */
function usageOf(net: PhaseNet, blob: string): { kind: FeedKind; classes?: number } {
  for (const consumer of net.blobs.get(blob)?.consumers ?? []) {
    const use = LABEL_BOTTOMS[consumer.type];
    if (!use || consumer.bottoms[use.index] !== blob) continue;
    if (use.kind === "label") {
      const classes = classifierOutputs(net, consumer.bottoms[0]!);
      return { kind: "label", ...(classes !== undefined ? { classes } : {}) };
    }
    if (use.kind === "binary") return { kind: "binary", classes: 2 };
    return { kind: "float" };
  }
  return { kind: "image" };
}

function givenFor(ctx: PlanContext, layer: string, top: string | undefined): number[] | undefined {
  return (top !== undefined ? ctx.givenShapes.get(top) : undefined) ?? ctx.givenShapes.get(layer);
}

const flagFor = (blob: string, shape: number[]) => `--input-shape ${blob}=${shape.join(",")}`;

/** A records-mode plan (Data without its LMDB, ImageData, WindowData, MemoryData). */
function recordsPlan(net: PhaseNet, node: LayerNode, ctx: PlanContext, batch: number): SourcePlan {
  const notes: string[] = [];
  let transform = structuredClone(sub(node.param, "transform_param") ?? {}) as PlainMessage;
  const p = sub(node.param, paramField(node.type)) ?? {};
  if (node.type === "WindowData") {
    // WindowData keeps its transform settings in window_data_param (older nets) or transform_param.
    for (const field of ["crop_size", "mean_file", "mirror", "scale"]) if (p[field] !== undefined && transform[field] === undefined) transform[field] = structuredClone(p[field]!);
  }
  const crop = num(transform, "crop_size", 0);
  const meanValues = nums(transform, "mean_value");
  const meanFile = str(transform, "mean_file");
  const meanShape = meanFile !== undefined ? ctx.meanShape?.(meanFile) : undefined;
  const dataTop = node.tops[0];
  const given = givenFor(ctx, node.name, dataTop);
  let record: [number, number, number] | undefined;
  let assumed: string | undefined;
  const colour = node.type === "ImageData" ? (bool(p, "is_color", true) ? 3 : 1) : meanValues.length === 1 ? 1 : meanValues.length === 3 ? 3 : meanShape ? meanShape[0]! : undefined;
  if (given) {
    const dims = given.length >= 4 ? given.slice(1) : given;
    record = [dims[0] ?? 3, dims[1] ?? 1, dims[2] ?? 1];
  } else if (ctx.lmdb?.(node)) {
    record = ctx.lmdb(node)!.record;
  } else if (meanShape && meanShape.length === 3) {
    record = [meanShape[0]!, meanShape[1]!, meanShape[2]!];
  } else if (node.type === "ImageData" && num(p, "new_height", 0) > 0 && num(p, "new_width", 0) > 0) {
    record = [colour!, num(p, "new_height", 0), num(p, "new_width", 0)];
  } else if (node.type === "MemoryData" && num(p, "channels", 0) > 0) {
    record = [num(p, "channels", 0), num(p, "height", 1), num(p, "width", 1)];
  } else if (crop > 0) {
    record = [colour ?? ASSUMED_RECORD[0], crop, crop];
    if (colour === undefined) assumed = `${ASSUMED_RECORD[0]} channels (the net gives crop_size ${crop} but not the channel count; ${flagFor(dataTop ?? node.name, [batch, 1, crop, crop])} for grey images)`;
  } else {
    record = [colour ?? ASSUMED_RECORD[0], ASSUMED_RECORD[1], ASSUMED_RECORD[2]];
    assumed = `${record.join("×")} records (the net does not say the size of '${dataTop ?? node.name}'; ${flagFor(dataTop ?? node.name, [batch, ...record])} sets it)`;
  }
  if (meanFile !== undefined && !meanShape) {
    delete transform["mean_file"];
    transform = { ...transform, mean_value: [SYNTHETIC_MEAN] };
    notes.push(`mean_file ${meanFile} not found: subtracted ${SYNTHETIC_MEAN} instead`);
  }
  const [c, h, w] = record;
  const outH = crop > 0 ? crop : h;
  const outW = crop > 0 ? crop : w;
  const tops: TopFeed[] = [{ blob: node.tops[0] ?? node.name, shape: [batch, c, outH, outW], kind: "image" }];
  if (node.tops[1] !== undefined) tops.push({ blob: node.tops[1], shape: [batch], ...usageOf(net, node.tops[1]) });
  const lmdb = node.type === "Data" && !given ? ctx.lmdb?.(node) : undefined;
  return { layer: node.name, type: node.type, mode: lmdb ? "lmdb" : "records", record, transform, tops, index: node.index, ...(lmdb ? { dataset: lmdb.description } : {}), ...(assumed ? { assumed } : {}), notes };
}

function paramField(type: string): string {
  return { Data: "data_param", ImageData: "image_data_param", WindowData: "window_data_param", MemoryData: "memory_data_param", HDF5Data: "hdf5_data_param" }[type] ?? "";
}

/** A fill-mode plan: tops written directly (Input, HDF5Data, net inputs). */
function fillPlan(net: PhaseNet, node: { name: string; type: string; tops: string[]; index: number }, shapes: (number[] | undefined)[], ctx: PlanContext, batch: number): SourcePlan {
  const assumedTops: string[] = [];
  const tops: TopFeed[] = node.tops.map((blob, i) => {
    const usage = usageOf(net, blob);
    const given = givenFor(ctx, node.name, blob) ?? (node.tops.length === 1 ? ctx.givenShapes.get(node.name) : undefined);
    let shape = given ?? shapes[i];
    if (!shape) {
      shape = usage.kind === "image" ? [batch, ...ASSUMED_RECORD] : [batch];
      if (usage.kind === "image") assumedTops.push(`${ASSUMED_RECORD.join("×")} for '${blob}' (${flagFor(blob, shape)} sets it)`);
    }
    const kind: FeedKind = usage.kind === "image" && node.type === "HDF5Data" ? "float" : usage.kind;
    return { blob, shape: [...shape], kind, ...(usage.classes !== undefined ? { classes: usage.classes } : {}) };
  });
  return { layer: node.name, type: node.type, mode: "fill", tops, index: node.index, ...(assumedTops.length ? { assumed: `the net does not say the shape: ${assumedTops.join(", ")}` } : {}), notes: [] };
}

/** Plans every input of `net`; `netParam` holds the deprecated net-level inputs. */
export function planInputs(net: PhaseNet, netParam: PlainMessage, ctx: PlanContext, batch: number): InputPlan {
  const sources: SourcePlan[] = [];
  const inputs = strs(netParam, "input");
  if (inputs.length > 0) {
    const shapes = subs(netParam, "input_shape").map((s) => nums(s, "dim"));
    const dims = nums(netParam, "input_dim");
    const each = inputs.map((_, i) => shapes[i] ?? (dims.length >= 4 * (i + 1) ? dims.slice(4 * i, 4 * i + 4) : undefined));
    sources.push(fillPlan(net, { name: "input", type: "(net input)", tops: inputs, index: -1 }, each, ctx, batch));
  }
  for (const node of net.layers) {
    switch (node.type) {
      case "Python": {
        const p = sub(node.param, "python_param");
        return { sources, blocked: `cannot run Python layers ('${node.name}': ${str(p, "module", "?")}.${str(p, "layer", "?")}); the static findings stand` };
      }
      case "Data":
      case "ImageData":
      case "WindowData":
      case "MemoryData":
        sources.push(recordsPlan(net, node, ctx, batch));
        break;
      case "Input":
        sources.push(fillPlan(net, node, subs(sub(node.param, "input_param"), "shape").map((s) => nums(s, "dim")).flatMap((s, _i, all) => (all.length === 1 ? node.tops.map(() => s) : [s])), ctx, batch));
        break;
      case "HDF5Data":
        sources.push(fillPlan(net, node, node.tops.map(() => undefined), ctx, batch));
        break;
      default:
        if (node.type.endsWith("Data") && node.type !== "DummyData") return { sources, blocked: `the probe cannot feed a ${node.type} layer ('${node.name}')` };
    }
  }
  return { sources };
}

/** The plan in words, for the report: "synthetic 3×227×227 images through 'data''s transform, labels in 0..999". */
export function describePlan(plan: InputPlan): string {
  return plan.sources
    .map((s) => {
      const tops = s.tops.map((t) => `'${t.blob}' ${t.kind === "image" || t.kind === "float" ? `${t.shape.slice(1).join("×")} ` : ""}${describeKind(t)}`).join(", ");
      if (s.mode === "lmdb") return `${s.dataset ?? `the LMDB of '${s.layer}'`}: ${tops}`;
      const how = s.mode === "records" ? `synthetic ${s.record!.join("×")} byte images through '${s.layer}''s transform` : `synthetic (${s.type} '${s.layer}')`;
      return `${how}: ${tops}`;
    })
    .join("; ");
}

function describeKind(t: TopFeed): string {
  switch (t.kind) {
    case "label":
      return t.classes ? `labels in 0..${t.classes - 1}` : "labels 0";
    case "binary":
      return "0/1 targets";
    case "float":
      return "floats in [0, 1)";
    default:
      return "0-255 pixels";
  }
}
