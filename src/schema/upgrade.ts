/**
 * Upgrading old net formats to the current one, as Caffe does when it loads a
 * net (upgrade_proto.cpp, UpgradeNetAsNeeded), step by step in Caffe's order:
 *
 *  1. V0 (`layers { layer { type: "conv" num_output: 96 } bottom top }`) to V1:
 *     padding layers folded into the following conv/pool, flat V0 settings
 *     moved into the per-kind messages; settings Caffe does not know for the
 *     layer kind are dropped (a warning says so).
 *  2. Data transformation: scale / mean_file / crop_size / mirror written in
 *     data_param, image_data_param or window_data_param move to transform_param.
 *  3. V1 (`layers { type: CONVOLUTION blobs_lr: 1 weight_decay: 1 }`) to V2
 *     (`layer { type: "Convolution" param { lr_mult: 1 decay_mult: 1 } }`).
 *  4. Deprecated net inputs (input + input_shape / input_dim) become an
 *     `Input` layer named "input", placed first.
 *  5. BatchNorm layers with three param blocks get lr_mult and decay_mult 0.
 *
 * Positions are kept: every new message object gets positions copied from the
 * text it came from (a renamed field points at the old field's name and
 * value), so findings on the upgraded net point at the original lines. The
 * input message is never modified; V2 layers that need no change are shared
 * between input and result, so treat both as read-only.
 */
import { diagnosticAt } from "./bind.js";
import {
  positionsOf,
  setPositions,
  type FieldPosition,
  type MessagePositions,
  type PlainMessage,
  type PlainValue,
  type SchemaDiagnostic,
} from "./types.js";
import type { Span } from "../prototxt/ast.js";

export type NetFormat = "V0" | "V1" | "V2" | "mixed";

export interface UpgradeResult {
  net: PlainMessage;
  /** What Caffe would change or drop while upgrading, and upgrades it would refuse (errors). */
  notes: SchemaDiagnostic[];
}

/** V1 layer kinds and the V2 type strings Caffe gives them. */
export const V1_LAYER_TYPES: Readonly<Record<string, string>> = {
  NONE: "",
  ABSVAL: "AbsVal",
  ACCURACY: "Accuracy",
  ARGMAX: "ArgMax",
  BNLL: "BNLL",
  CONCAT: "Concat",
  CONTRASTIVE_LOSS: "ContrastiveLoss",
  CONVOLUTION: "Convolution",
  DECONVOLUTION: "Deconvolution",
  DATA: "Data",
  DROPOUT: "Dropout",
  DUMMY_DATA: "DummyData",
  EUCLIDEAN_LOSS: "EuclideanLoss",
  ELTWISE: "Eltwise",
  EXP: "Exp",
  FLATTEN: "Flatten",
  HDF5_DATA: "HDF5Data",
  HDF5_OUTPUT: "HDF5Output",
  HINGE_LOSS: "HingeLoss",
  IM2COL: "Im2col",
  IMAGE_DATA: "ImageData",
  INFOGAIN_LOSS: "InfogainLoss",
  INNER_PRODUCT: "InnerProduct",
  LRN: "LRN",
  MEMORY_DATA: "MemoryData",
  MULTINOMIAL_LOGISTIC_LOSS: "MultinomialLogisticLoss",
  MVN: "MVN",
  POOLING: "Pooling",
  POWER: "Power",
  RELU: "ReLU",
  SIGMOID: "Sigmoid",
  SIGMOID_CROSS_ENTROPY_LOSS: "SigmoidCrossEntropyLoss",
  SILENCE: "Silence",
  SOFTMAX: "Softmax",
  SOFTMAX_LOSS: "SoftmaxWithLoss",
  SPLIT: "Split",
  SLICE: "Slice",
  TANH: "TanH",
  WINDOW_DATA: "WindowData",
  THRESHOLD: "Threshold",
};

/** V0 layer type strings and the V1 kinds Caffe maps them to. */
export const V0_LAYER_TYPES: Readonly<Record<string, string>> = {
  accuracy: "ACCURACY",
  bnll: "BNLL",
  concat: "CONCAT",
  conv: "CONVOLUTION",
  data: "DATA",
  dropout: "DROPOUT",
  euclidean_loss: "EUCLIDEAN_LOSS",
  flatten: "FLATTEN",
  hdf5_data: "HDF5_DATA",
  hdf5_output: "HDF5_OUTPUT",
  im2col: "IM2COL",
  images: "IMAGE_DATA",
  infogain_loss: "INFOGAIN_LOSS",
  innerproduct: "INNER_PRODUCT",
  lrn: "LRN",
  multinomial_logistic_loss: "MULTINOMIAL_LOGISTIC_LOSS",
  pool: "POOLING",
  relu: "RELU",
  sigmoid: "SIGMOID",
  softmax: "SOFTMAX",
  softmax_loss: "SOFTMAX_LOSS",
  split: "SPLIT",
  tanh: "TANH",
  window_data: "WINDOW_DATA",
};

/** Where a V0 setting goes: per V0 layer type ("*": any type), [settings message, field, appended to a list?]. */
type V0Target = readonly [message: string, field: string, repeated?: boolean];
const V0_SETTINGS: Readonly<Record<string, Readonly<Record<string, V0Target>>>> = {
  num_output: { conv: ["convolution_param", "num_output"], innerproduct: ["inner_product_param", "num_output"] },
  biasterm: { conv: ["convolution_param", "bias_term"], innerproduct: ["inner_product_param", "bias_term"] },
  weight_filler: { conv: ["convolution_param", "weight_filler"], innerproduct: ["inner_product_param", "weight_filler"] },
  bias_filler: { conv: ["convolution_param", "bias_filler"], innerproduct: ["inner_product_param", "bias_filler"] },
  pad: { conv: ["convolution_param", "pad", true], pool: ["pooling_param", "pad"] },
  kernelsize: { conv: ["convolution_param", "kernel_size", true], pool: ["pooling_param", "kernel_size"] },
  group: { conv: ["convolution_param", "group"] },
  stride: { conv: ["convolution_param", "stride", true], pool: ["pooling_param", "stride"] },
  pool: { pool: ["pooling_param", "pool"] },
  dropout_ratio: { dropout: ["dropout_param", "dropout_ratio"] },
  local_size: { lrn: ["lrn_param", "local_size"] },
  alpha: { lrn: ["lrn_param", "alpha"] },
  beta: { lrn: ["lrn_param", "beta"] },
  k: { lrn: ["lrn_param", "k"] },
  source: {
    data: ["data_param", "source"],
    hdf5_data: ["hdf5_data_param", "source"],
    images: ["image_data_param", "source"],
    window_data: ["window_data_param", "source"],
    infogain_loss: ["infogain_loss_param", "source"],
  },
  scale: { "*": ["transform_param", "scale"] },
  meanfile: { "*": ["transform_param", "mean_file"] },
  batchsize: {
    data: ["data_param", "batch_size"],
    hdf5_data: ["hdf5_data_param", "batch_size"],
    images: ["image_data_param", "batch_size"],
    window_data: ["window_data_param", "batch_size"],
  },
  cropsize: { "*": ["transform_param", "crop_size"] },
  mirror: { "*": ["transform_param", "mirror"] },
  rand_skip: { data: ["data_param", "rand_skip"], images: ["image_data_param", "rand_skip"] },
  shuffle_images: { images: ["image_data_param", "shuffle"] },
  new_height: { images: ["image_data_param", "new_height"] },
  new_width: { images: ["image_data_param", "new_width"] },
  concat_dim: { concat: ["concat_param", "concat_dim"] },
  det_fg_threshold: { window_data: ["window_data_param", "fg_threshold"] },
  det_bg_threshold: { window_data: ["window_data_param", "bg_threshold"] },
  det_fg_fraction: { window_data: ["window_data_param", "fg_fraction"] },
  det_context_pad: { window_data: ["window_data_param", "context_pad"] },
  det_crop_mode: { window_data: ["window_data_param", "crop_mode"] },
  hdf5_output_param: { hdf5_output: ["hdf5_output_param", ""] },
};

/** V1 data layers whose own settings message used to hold the transformation fields. */
const DATA_TRANSFORM_SOURCES: Readonly<Record<string, string>> = {
  DATA: "data_param",
  IMAGE_DATA: "image_data_param",
  WINDOW_DATA: "window_data_param",
};
const TRANSFORM_FIELDS = ["scale", "mean_file", "crop_size", "mirror"] as const;

// ---------------------------------------------------------------------------
// Plain-message helpers that carry positions along.

/** A message under construction and its positions (absent when the source had none). */
interface Built {
  msg: PlainMessage;
  pos?: MessagePositions;
}

function start(span: Span | undefined): Built {
  const msg: PlainMessage = {};
  if (!span) return { msg };
  const pos: MessagePositions = { span, fields: new Map() };
  setPositions(msg, pos);
  return { msg, pos };
}

function fieldPositions(m: PlainMessage, field: string): FieldPosition[] {
  return positionsOf(m)?.fields.get(field) ?? [];
}

function occurrenceSpan(p: FieldPosition | undefined): Span | undefined {
  return p && { start: p.name.start, end: p.value.end };
}

function record(b: Built, field: string, at: FieldPosition | undefined): void {
  if (!b.pos || !at) return;
  const list = b.pos.fields.get(field);
  if (list) list.push(at);
  else b.pos.fields.set(field, [at]);
}

function put(b: Built, field: string, value: PlainValue, at: FieldPosition | undefined): void {
  b.msg[field] = value;
  b.pos?.fields.delete(field);
  record(b, field, at);
}

function append(b: Built, field: string, value: PlainValue, at: FieldPosition | undefined): void {
  const list = b.msg[field] as PlainValue[] | undefined;
  if (list) list.push(value);
  else b.msg[field] = [value];
  record(b, field, at);
}

/** Deep copy of a message, positions included. */
export function cloneMessage(m: PlainMessage): PlainMessage {
  const copy: PlainMessage = {};
  for (const [key, value] of Object.entries(m)) {
    if (value === undefined) continue;
    copy[key] = Array.isArray(value) ? value.map(cloneValue) : cloneValue(value);
  }
  const pos = positionsOf(m);
  if (pos) {
    const fields = new Map<string, FieldPosition[]>();
    for (const [key, list] of pos.fields) fields.set(key, [...list]);
    setPositions(copy, { span: pos.span, fields });
  }
  return copy;
}

function cloneValue(v: PlainValue): PlainValue {
  if (v instanceof Uint8Array) return v.slice();
  return typeof v === "object" ? cloneMessage(v) : v;
}

/** Copies field `from` of `src` (all occurrences, positions included) to field `to` of `b`. */
function carry(b: Built, src: PlainMessage, from: string, to: string = from): void {
  const value = src[from];
  if (value === undefined) return;
  const at = fieldPositions(src, from);
  if (Array.isArray(value)) value.forEach((v, i) => append(b, to, cloneValue(v), at[i]));
  else put(b, to, cloneValue(value), at[at.length - 1]);
}

function asMessages(v: PlainMessage[string]): PlainMessage[] {
  return Array.isArray(v) ? (v as PlainMessage[]) : [];
}

function asStrings(v: PlainMessage[string]): string[] {
  return Array.isArray(v) ? (v as string[]) : [];
}

function noteAt(notes: SchemaDiagnostic[], severity: SchemaDiagnostic["severity"], message: string, span: Span | undefined): void {
  const origin: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
  notes.push(diagnosticAt(severity, message, span ?? origin));
}

// ---------------------------------------------------------------------------
// Format detection.

/** Which layer format a net is written in: V0/V1 use `layers` (V0 with a nested `layer`), V2 uses `layer`. */
export function netFormat(net: PlainMessage): NetFormat {
  const old = asMessages(net.layers);
  const current = asMessages(net.layer);
  if (old.length > 0 && current.length > 0) return "mixed";
  if (old.length === 0) return "V2";
  return old.some((l) => l.layer !== undefined) ? "V0" : "V1";
}

/** True when the net uses the deprecated `layers` field (V1 or V0 format), which Caffe upgrades on load. */
export function isV1Net(net: PlainMessage): boolean {
  return asMessages(net.layers).length > 0;
}

// ---------------------------------------------------------------------------
// Step 1: V0 to V1.

/**
 * Folds V0 "padding" layers into the conv/pool layer that reads their output,
 * as Caffe does. Returns the kept layers (copies) with their index in `layers`.
 */
function foldPaddingLayers(layers: PlainMessage[], inputs: string[], notes: SchemaDiagnostic[]): { layer: PlainMessage; index: number }[] {
  const lastWriter = new Map<string, number>(inputs.map((name) => [name, -1]));
  const kept: { layer: PlainMessage; index: number }[] = [];
  layers.forEach((connection, index) => {
    const inner = connection.layer as PlainMessage | undefined;
    const isPadding = inner?.type === "padding";
    const current = isPadding ? connection : cloneMessage(connection);
    if (!isPadding) kept.push({ layer: current, index });
    asStrings(connection.bottom).forEach((blob, j) => {
      const writer = lastWriter.get(blob);
      if (writer === undefined || writer < 0 || isPadding) return; // net input, unknown blob, or nothing to fold into
      const source = layers[writer]!;
      const sourceInner = source.layer as PlainMessage | undefined;
      if (sourceInner?.type !== "padding") return;
      const type = inner?.type;
      if ((type !== "conv" && type !== "pool") || asStrings(connection.bottom).length !== 1) {
        noteAt(notes, "error", "a V0 padding layer may only feed a single-input conv or pool layer (Caffe refuses this net)", occurrenceSpan(fieldPositions(connection, "bottom")[j]));
        return;
      }
      const currentInner = current.layer as PlainMessage;
      if (sourceInner.pad !== undefined) {
        currentInner.pad = sourceInner.pad;
        positionsOf(currentInner)?.fields.set("pad", fieldPositions(sourceInner, "pad").slice(-1));
      }
      const newBottom = asStrings(source.bottom)[0];
      if (newBottom !== undefined) (current.bottom as string[])[j] = newBottom;
    });
    asStrings(connection.top).forEach((blob) => lastWriter.set(blob, index));
  });
  return kept;
}

/** One V0 connection (`layers { layer { ... } bottom top }`) to a V1 layer. */
function v0LayerToV1(connection: PlainMessage, notes: SchemaDiagnostic[]): PlainMessage {
  const b = start(positionsOf(connection)?.span);
  carry(b, connection, "bottom");
  carry(b, connection, "top");
  const inner = connection.layer as PlainMessage | undefined;
  if (!inner) return b.msg;
  const innerPos = positionsOf(inner);
  carry(b, inner, "name");
  const type = typeof inner.type === "string" ? inner.type : "";
  if (inner.type !== undefined) {
    const v1Type = V0_LAYER_TYPES[type];
    const at = fieldPositions(inner, "type").at(-1);
    if (v1Type === undefined) noteAt(notes, "error", `unknown V0 layer type "${type}" (Caffe refuses this net)`, at?.value);
    put(b, "type", v1Type ?? "NONE", at);
  }
  carry(b, inner, "blobs");
  carry(b, inner, "blobs_lr");
  carry(b, inner, "weight_decay");
  const settings = new Map<string, Built>();
  const settingsOf = (name: string): Built => {
    let s = settings.get(name);
    if (!s) {
      s = start(innerPos?.span);
      settings.set(name, s);
      put(b, name, s.msg, fieldPositions(connection, "layer").at(-1));
    }
    return s;
  };
  for (const [field, targets] of Object.entries(V0_SETTINGS)) {
    const value = inner[field];
    if (value === undefined) continue;
    const at = fieldPositions(inner, field).at(-1);
    const target = targets[type] ?? targets["*"];
    if (!target) {
      noteAt(notes, "warning", `Caffe ignores V0 setting "${field}" for layer type "${type}"`, occurrenceSpan(at));
      continue;
    }
    const [message, targetField, repeated] = target;
    if (targetField === "") {
      // The whole settings message is copied.
      put(b, message, cloneValue(value as PlainValue), at);
      continue;
    }
    const s = settingsOf(message);
    if (repeated) append(s, targetField, cloneValue(value as PlainValue), at);
    else put(s, targetField, cloneValue(value as PlainValue), at);
  }
  return b.msg;
}

// ---------------------------------------------------------------------------
// Step 2: transformation fields of V1 data layers.

function upgradeDataTransform(layer: PlainMessage, notes: SchemaDiagnostic[]): PlainMessage {
  const sourceName = DATA_TRANSFORM_SOURCES[String(layer.type)];
  const source = sourceName ? (layer[sourceName] as PlainMessage | undefined) : undefined;
  if (!sourceName || !source || !TRANSFORM_FIELDS.some((f) => source[f] !== undefined)) return layer;
  const upgraded = cloneMessage(layer);
  const from = upgraded[sourceName] as PlainMessage;
  const existing = upgraded.transform_param as PlainMessage | undefined;
  const transform: Built = existing ? { msg: existing, pos: positionsOf(existing) } : start(positionsOf(from)?.span);
  if (!existing) put({ msg: upgraded, pos: positionsOf(upgraded) }, "transform_param", transform.msg, fieldPositions(layer, sourceName).at(-1));
  for (const field of TRANSFORM_FIELDS) {
    if (from[field] === undefined) continue;
    const at = fieldPositions(from, field).at(-1);
    put(transform, field, from[field] as PlainValue, at);
    delete from[field];
    positionsOf(from)?.fields.delete(field);
    noteAt(notes, "warning", `${sourceName}.${field} is deprecated: Caffe moves it to transform_param.${field}`, occurrenceSpan(at));
  }
  return upgraded;
}

// ---------------------------------------------------------------------------
// Step 3: V1 to V2.

function v1LayerToV2(v1: PlainMessage, notes: SchemaDiagnostic[]): PlainMessage {
  const b = start(positionsOf(v1)?.span);
  carry(b, v1, "bottom");
  carry(b, v1, "top");
  carry(b, v1, "name");
  carry(b, v1, "include");
  carry(b, v1, "exclude");
  if (v1.type !== undefined) {
    const type = V1_LAYER_TYPES[String(v1.type)];
    const at = fieldPositions(v1, "type").at(-1);
    if (type === undefined) noteAt(notes, "error", `unknown V1 layer type ${String(v1.type)} (Caffe refuses this net)`, at?.value);
    put(b, "type", type ?? "", at);
  }
  carry(b, v1, "blobs");
  // Per-blob settings held in four parallel lists become one param { } per blob.
  const lists = [
    ["param", "name"],
    ["blob_share_mode", "share_mode"],
    ["blobs_lr", "lr_mult"],
    ["weight_decay", "decay_mult"],
  ] as const;
  const count = Math.max(...lists.map(([from]) => (Array.isArray(v1[from]) ? (v1[from] as PlainValue[]).length : 0)));
  for (let i = 0; i < count; i++) {
    const sources = lists.map(([from]) => fieldPositions(v1, from)[i]);
    const first = sources.find((p) => p !== undefined);
    const spec = start(occurrenceSpan(first));
    lists.forEach(([from, to], k) => {
      const values = v1[from] as PlainValue[] | undefined;
      if (values && i < values.length) put(spec, to, values[i]!, sources[k]);
    });
    append(b, "param", spec.msg, first);
  }
  carry(b, v1, "loss_weight");
  for (const key of Object.keys(v1)) {
    if (key.endsWith("_param")) carry(b, v1, key);
  }
  if (v1.layer !== undefined) {
    noteAt(notes, "warning", "a V1 layer also holds a V0 `layer { }`: Caffe ignores it", occurrenceSpan(fieldPositions(v1, "layer").at(-1)));
  }
  return b.msg;
}

// ---------------------------------------------------------------------------
// Step 4: deprecated net inputs to an Input layer.

function inputLayer(net: PlainMessage, notes: SchemaDiagnostic[]): PlainMessage | undefined {
  const inputs = asStrings(net.input);
  const shapes = asMessages(net.input_shape);
  const dims = Array.isArray(net.input_dim) ? (net.input_dim as number[]) : [];
  if (shapes.length === 0 && dims.length === 0) return undefined;
  const inputAt = fieldPositions(net, "input");
  const shapeAt = fieldPositions(net, "input_shape");
  const dimAt = fieldPositions(net, "input_dim");
  const all = [...inputAt, ...shapeAt, ...dimAt].map(occurrenceSpan).filter((s): s is Span => s !== undefined);
  const span = all.length ? { start: all.reduce((a, s) => (s.start.offset < a.start.offset ? s : a)).start, end: all.reduce((a, s) => (s.end.offset > a.end.offset ? s : a)).end } : undefined;
  const layer = start(span);
  put(layer, "name", "input", inputAt[0]);
  put(layer, "type", "Input", inputAt[0]);
  const paramSpan = occurrenceSpan(shapes.length ? shapeAt[0] : dimAt[0]);
  const param = start(paramSpan);
  inputs.forEach((name, i) => {
    append(layer, "top", name, inputAt[i]);
    if (shapes.length > 0) {
      if (i >= shapes.length) {
        noteAt(notes, "error", `input "${name}" has no input_shape (${shapes.length} given for ${inputs.length} inputs)`, occurrenceSpan(inputAt[i]));
        return;
      }
      append(param, "shape", cloneMessage(shapes[i]!), shapeAt[i]);
      return;
    }
    if (dims.length < 4 * (i + 1)) {
      noteAt(notes, "error", `input "${name}" needs four input_dim values (num, channels, height, width); ${dims.length} given for ${inputs.length} inputs`, occurrenceSpan(inputAt[i]));
      return;
    }
    const first = dimAt[4 * i];
    const last = dimAt[4 * i + 3];
    const shape = start(first && last ? { start: first.name.start, end: last.value.end } : undefined);
    for (let j = 4 * i; j < 4 * i + 4; j++) append(shape, "dim", String(dims[j]), dimAt[j]);
    append(param, "shape", shape.msg, first);
  });
  put(layer, "input_param", param.msg, shapes.length ? shapeAt[0] : dimAt[0]);
  return layer.msg;
}

// ---------------------------------------------------------------------------
// Step 5: BatchNorm param blocks.

function upgradeBatchNorm(layer: PlainMessage, notes: SchemaDiagnostic[]): PlainMessage {
  const specs = asMessages(layer.param);
  if (layer.type !== "BatchNorm" || specs.length !== 3) return layer;
  for (const spec of specs) {
    for (const field of ["lr_mult", "decay_mult"]) {
      const value = spec[field];
      if (typeof value === "number" && value !== 0) {
        noteAt(notes, "warning", `BatchNorm with three param blocks: Caffe forces ${field} to 0 (here ${value})`, occurrenceSpan(fieldPositions(spec, field).at(-1)));
      }
    }
  }
  const upgraded = cloneMessage(layer);
  const at = fieldPositions(layer, "param");
  asMessages(upgraded.param).forEach((spec, i) => {
    const b: Built = { msg: spec, pos: positionsOf(spec) };
    for (const field of ["lr_mult", "decay_mult"]) {
      const was = fieldPositions(spec, field).at(-1);
      put(b, field, 0, was ?? at[i]);
    }
  });
  return upgraded;
}

// ---------------------------------------------------------------------------

/**
 * Upgrades a NetParameter (any format) to the current one the way Caffe does
 * on load. `net` is left unchanged (unchanged V2 layers are shared with the
 * result); `notes` lists what Caffe would drop or change (warnings) and what
 * it would refuse (errors).
 */
export function upgradeNet(net: PlainMessage): UpgradeResult {
  const notes: SchemaDiagnostic[] = [];
  const format = netFormat(net);
  const firstLayersAt = occurrenceSpan(fieldPositions(net, "layers")[0]);
  const top = start(positionsOf(net)?.span);
  let v1Layers = asMessages(net.layers);
  let layerAt = fieldPositions(net, "layers");
  if (format === "V0") {
    noteAt(notes, "warning", "net uses the V0 layer format (layers { layer { ... } }): Caffe upgrades it on load", firstLayersAt);
    // Caffe keeps only these net-level fields when it upgrades a V0 net.
    const kept = new Set(["name", "layers", "input", "input_dim", "force_backward"]);
    for (const key of Object.keys(net)) {
      if (!kept.has(key) && net[key] !== undefined) noteAt(notes, "warning", `Caffe drops "${key}" when it upgrades a V0 net`, occurrenceSpan(fieldPositions(net, key)[0]));
    }
    const folded = foldPaddingLayers(v1Layers, asStrings(net.input), notes);
    const originalAt = layerAt;
    layerAt = folded.flatMap(({ index }) => (originalAt[index] ? [originalAt[index]] : []));
    v1Layers = folded.map(({ layer }) => v0LayerToV1(layer, notes));
    for (const key of ["name", "input", "input_dim", "force_backward"]) carry(top, net, key);
  } else {
    for (const key of Object.keys(net)) if (key !== "layers" && key !== "layer") carry(top, net, key);
  }
  v1Layers = v1Layers.map((l) => upgradeDataTransform(l, notes));
  let layers: PlainMessage[];
  if (format === "mixed") {
    noteAt(notes, "error", "net mixes `layer` (current format) and `layers` (V1 format): Caffe refuses to load it", firstLayersAt);
    layers = asMessages(net.layer);
    layerAt = fieldPositions(net, "layer");
  } else if (format === "V2") {
    layers = asMessages(net.layer);
    layerAt = fieldPositions(net, "layer");
  } else {
    if (format === "V1") noteAt(notes, "warning", "net uses the V1 layer format (layers { type: ENUM }): Caffe upgrades it on load", firstLayersAt);
    layers = v1Layers.map((l) => v1LayerToV2(l, notes));
  }
  const input = inputLayer(format === "V0" ? top.msg : net, notes);
  if (net.input !== undefined || input) {
    noteAt(notes, "warning", "net inputs declared with the deprecated input / input_shape / input_dim fields: Caffe turns them into an Input layer", occurrenceSpan(fieldPositions(net, "input")[0]));
  }
  for (const key of ["input", "input_shape", "input_dim"]) {
    delete top.msg[key];
    top.pos?.fields.delete(key);
  }
  layers = layers.map((l) => upgradeBatchNorm(l, notes));
  if (input) {
    const span = positionsOf(input)?.span;
    append(top, "layer", input, span && { name: span, value: span });
  }
  layers.forEach((l, i) => append(top, "layer", l, layerAt[i]));
  return { net: top.msg, notes };
}

/** SolverParameter.solver_type names and the `type` strings Caffe replaces them with. */
export const SOLVER_TYPES: Readonly<Record<string, string>> = {
  SGD: "SGD",
  NESTEROV: "Nesterov",
  ADAGRAD: "AdaGrad",
  RMSPROP: "RMSProp",
  ADADELTA: "AdaDelta",
  ADAM: "Adam",
};

/**
 * Upgrades a SolverParameter as Caffe does (deprecated `solver_type` enum to
 * the `type` string). Inline nets (net_param, train_net_param,
 * test_net_param) are NOT upgraded by Caffe: a note warns when one of them
 * uses the old `layers` format, since Caffe would then build a net without layers.
 */
export function upgradeSolver(solver: PlainMessage): { solver: PlainMessage; notes: SchemaDiagnostic[] } {
  const notes: SchemaDiagnostic[] = [];
  const upgraded = cloneMessage(solver);
  const b: Built = { msg: upgraded, pos: positionsOf(upgraded) };
  if (solver.solver_type !== undefined) {
    const at = fieldPositions(solver, "solver_type").at(-1);
    if (solver.type !== undefined) {
      noteAt(notes, "error", "solver_type (deprecated) and type are both set: Caffe refuses this solver", occurrenceSpan(at));
    } else {
      put(b, "type", SOLVER_TYPES[String(solver.solver_type)] ?? String(solver.solver_type), at);
      noteAt(notes, "warning", `solver_type is deprecated: Caffe reads it as type: "${String(b.msg.type)}"`, occurrenceSpan(at));
    }
    delete upgraded.solver_type;
    b.pos?.fields.delete("solver_type");
  }
  for (const key of ["net_param", "train_net_param", "test_net_param"]) {
    const nets = solver[key];
    const list = Array.isArray(nets) ? (nets as PlainMessage[]) : nets === undefined ? [] : [nets as PlainMessage];
    list.forEach((n, i) => {
      if (isV1Net(n)) {
        noteAt(notes, "warning", `inline ${key} uses the old \`layers\` format, which Caffe only upgrades in net files: the inline net would have no layers`, occurrenceSpan(fieldPositions(solver, key)[i]));
      }
    });
  }
  return { solver: upgraded, notes };
}
