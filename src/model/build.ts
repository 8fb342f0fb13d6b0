/**
 * Builds the per-phase net graphs Caffe would instantiate from a net message:
 * layer filtering (state.ts), the blob graph with in-place chains, and shapes
 * (shapes.ts). Mirrors Net::Init in BVLC/caffe src/caffe/net.cpp, without
 * stopping at the first problem: problems are collected for the rules.
 */
import type { PlainMessage } from "../schema/types.js";
import { bool, num, nums, str, strs, sub, subs } from "./access.js";
import { countParams, inferTopShapes } from "./shapes.js";
import { layerIsIncluded, mergeNetState } from "./state.js";
import type { BlobNode, DatasetFacts, GraphProblem, LayerNode, NetKind, NetModel, NetState, Phase, PhaseNet, Shape } from "./types.js";

/** Layer types whose output is a training loss (Caffe gives them loss_weight 1 by default). */
export function isLossType(type: string): boolean {
  return type.endsWith("Loss");
}

/** Layer types that read training data from a dataset or memory. */
export const DATA_LAYER_TYPES = new Set(["Data", "ImageData", "WindowData", "HDF5Data", "MemoryData", "DummyData", "Python", "AnnotatedData", "VideoData"]);

/** The parameter block holding `batch_size`, per data layer type. */
export const BATCH_FIELDS: Readonly<Record<string, string>> = {
  Data: "data_param",
  ImageData: "image_data_param",
  WindowData: "window_data_param",
  HDF5Data: "hdf5_data_param",
  MemoryData: "memory_data_param",
};

/** The batch size the net's first data or Input layer produces, when it says. */
export function batchSize(net: PhaseNet): number | undefined {
  for (const layer of net.layers) {
    if (!DATA_LAYER_TYPES.has(layer.type) && layer.type !== "Input") continue;
    const field = BATCH_FIELDS[layer.type];
    const n = field ? num(sub(layer.param, field), "batch_size") : layer.topShapes[0]?.[0];
    if (n !== undefined) return n;
  }
  return undefined;
}

/** The `layer` list of a (current-format) net. */
export function netLayers(net: PlainMessage): PlainMessage[] {
  return subs(net, "layer");
}

/** Shapes of the deprecated net-level inputs (`input` with `input_shape` or `input_dim`). */
function netInputs(net: PlainMessage): { name: string; shape?: Shape }[] {
  const names = strs(net, "input");
  const shapes = subs(net, "input_shape").map((s) => nums(s, "dim"));
  const dims = nums(net, "input_dim");
  return names.map((name, i) => ({
    name,
    shape: shapes[i] ?? (dims.length >= 4 * (i + 1) ? dims.slice(4 * i, 4 * i + 4) : undefined),
  }));
}

/** The shape a data layer produces, from its parameters and what is known of its dataset. */
function dataLayerShapes(layer: PlainMessage, type: string, facts: DatasetFacts | undefined): (Shape | undefined)[] | undefined {
  const transform = sub(layer, "transform_param");
  const crop = num(transform, "crop_size", 0);
  const withCrop = (c: number | undefined, h: number | undefined, w: number | undefined, n: number | undefined): Shape | undefined => {
    if (n === undefined || c === undefined) return undefined;
    const hh = crop > 0 ? crop : h;
    const ww = crop > 0 ? crop : w;
    return hh === undefined || ww === undefined ? undefined : [n, c, hh, ww];
  };
  if (type === "Data") {
    const n = num(sub(layer, "data_param"), "batch_size");
    const s = facts?.shape;
    return [withCrop(s?.[0], s?.[1], s?.[2], n), n === undefined ? undefined : [n]];
  }
  if (type === "ImageData") {
    const p = sub(layer, "image_data_param");
    const n = num(p, "batch_size", 1);
    const c = bool(p, "is_color", true) ? 3 : 1;
    const h = num(p, "new_height", 0) || facts?.shape?.[1];
    const w = num(p, "new_width", 0) || facts?.shape?.[2];
    return [withCrop(c, h, w, n), [n]];
  }
  return undefined;
}

export interface BuildOptions {
  /** Dataset facts per data layer, by the layer's index in the net. */
  datasets?: Map<number, DatasetFacts>;
}

/** Instantiates the net in one state. */
export function buildPhaseNet(net: PlainMessage, state: NetState, options: BuildOptions = {}): PhaseNet {
  const layers: LayerNode[] = [];
  const blobs = new Map<string, BlobNode>();
  const problems: GraphProblem[] = [];

  for (const input of netInputs(net)) {
    blobs.set(input.name, { name: input.name, producers: [], consumers: [], shape: input.shape });
  }

  netLayers(net).forEach((param, index) => {
    if (subs(param, "include").length > 0 && subs(param, "exclude").length > 0) {
      // Caffe refuses such a layer in every phase; report it once per phase and keep the include rules.
      problems.push({ kind: "include-and-exclude", layer: nodeFor(param, index) });
    }
    if (!layerIsIncluded(param, state)) return;
    const node = nodeFor(param, index);
    node.bottoms.forEach((name, i) => {
      const blob = blobs.get(name);
      if (!blob) {
        problems.push({ kind: "unknown-bottom", layer: node, bottomIndex: i, blob: name });
        node.bottomShapes.push(undefined);
        return;
      }
      blob.consumers.push(node);
      node.bottomShapes.push(blob.shape);
    });
    const inferred = DATA_LAYER_TYPES.has(node.type)
      ? dataLayerShapes(param, node.type, options.datasets?.get(index)) ?? inferTopShapes(param, node.type, node.bottomShapes, node.tops.length)
      : inferTopShapes(param, node.type, node.bottomShapes, node.tops.length);
    node.tops.forEach((name, i) => {
      node.topShapes.push(inferred[i]);
      const existing = blobs.get(name);
      const inPlace = node.bottoms[i] === name;
      if (existing && !inPlace) {
        const earlier = existing.producers[existing.producers.length - 1];
        if (earlier) problems.push({ kind: "duplicate-top", layer: node, topIndex: i, blob: name, earlier });
      }
      const blob = existing && inPlace ? existing : { name, producers: [], consumers: [], shape: undefined as Shape | undefined };
      blob.producers.push(node);
      blob.shape = inferred[i];
      blobs.set(name, blob);
    });
    node.paramCount = countParams(param, node.type, node.bottomShapes);
    layers.push(node);
  });

  const counts = layers.map((l) => l.paramCount);
  const paramCount = counts.every((c) => c !== undefined) ? counts.reduce((a, b) => a! + b!, 0) : undefined;
  return { state, layers, blobs, problems, paramCount };
}

function nodeFor(param: PlainMessage, index: number): LayerNode {
  return {
    index,
    name: str(param, "name", `(layer ${index + 1})`),
    type: str(param, "type", ""),
    param,
    bottoms: strs(param, "bottom"),
    tops: strs(param, "top"),
    bottomShapes: [],
    topShapes: [],
  };
}

/** Whether any layer names a phase in its include/exclude rules. */
function hasPhaseRules(net: PlainMessage): boolean {
  return netLayers(net).some((l) => [...subs(l, "include"), ...subs(l, "exclude")].some((r) => str(r, "phase") !== undefined));
}

/** deploy: inputs and no loss; train_val: layers split by phase; otherwise a plain training net. */
export function netKind(net: PlainMessage): NetKind {
  const layers = netLayers(net);
  const hasLoss = layers.some((l) => isLossType(str(l, "type", "")));
  const hasInput = strs(net, "input").length > 0 || layers.some((l) => str(l, "type") === "Input");
  if (!hasLoss && hasInput) return "deploy";
  if (hasPhaseRules(net)) return "train_val";
  // Without a loss and phase rules, a net reading a dataset only evaluates or extracts features.
  return hasLoss ? "train" : "test";
}

export interface ModelOptions extends BuildOptions {
  /** Solver's train_state / test_state messages. */
  trainState?: PlainMessage;
  testState?: PlainMessage;
  /** Extra stages from the command line. */
  stages?: string[];
  level?: number;
  /** Instantiate only these phases. */
  phases?: Phase[];
  /** The net as written, when `net` is an upgraded copy. */
  original?: PlainMessage;
}

/** Builds the model of one (upgraded) net file. */
export function buildNetModel(net: PlainMessage, file: string, options: ModelOptions = {}): NetModel {
  const kind = netKind(net);
  const wanted: Phase[] = options.phases ?? (kind === "deploy" || kind === "test" ? ["TEST"] : ["TRAIN", "TEST"]);
  const phases: Partial<Record<Phase, PhaseNet>> = {};
  for (const phase of wanted) {
    const solverState = phase === "TRAIN" ? options.trainState : options.testState;
    const state = mergeNetState(phase, sub(net, "state"), solverState);
    if (options.stages) state.stages.push(...options.stages);
    if (options.level !== undefined) state.level = options.level;
    const built = buildPhaseNet(net, state, options);
    // A phase with no input at all is not meant to be run from this file (a train-only file's TEST phase).
    const hasSource = strs(net, "input").length > 0 || built.layers.some((l) => DATA_LAYER_TYPES.has(l.type) || l.type === "Input");
    if (hasSource || wanted.length === 1) phases[phase] = built;
  }
  return { file, net, original: options.original ?? net, phases, kind };
}
