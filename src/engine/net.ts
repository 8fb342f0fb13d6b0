/**
 * A Caffe net on the CPU: builds the layer graph from a phase-filtered
 * NetParameter the way Caffe's Net::Init does (automatic Split layers, blob
 * wiring with in-place layers, loss weights, which layers and bottoms need
 * backward, parameter sharing by ParamSpec name), then runs forward (the
 * float32 sum of loss_weight * loss in layer order) and backward, with a hook
 * after every layer's pass for instrumentation.
 */
import type { Blob, BlobCount, LayerContext, LayerDefinition, LayerInstance, LayerParameter } from "./types.js";
import type { PlainMessage, PlainValue } from "../schema/types.js";
import { makeBlob } from "./blob.js";
import { layerRegistry } from "./layers/index.js";

/** A net that Caffe would refuse to build; the message names the layer or blob at fault. */
export class NetError extends Error {
  override name = "NetError";
}

/** A blob with the name the net knows it by. */
export interface NamedBlob {
  name: string;
  blob: Blob;
}

/** One layer of a built net with its wiring and backward bookkeeping. */
export interface NetLayer {
  name: string;
  type: string;
  param: LayerParameter;
  instance: LayerInstance;
  bottomNames: string[];
  topNames: string[];
  bottoms: Blob[];
  tops: Blob[];
  /** Loss weight per top (0 for tops that are not losses). */
  lossWeights: number[];
  /** Whether backward runs for this layer at all. */
  needBackward: boolean;
  /** Per bottom: whether backward must write its diff. */
  bottomNeedBackward: boolean[];
  /** Per param blob: lr_mult > 0 (Caffe's param_propagate_down); others get their diff zeroed after backward. */
  paramNeedBackward: boolean[];
  /** Per param blob: index into Net.learnable (shared params point at their owner's entry). */
  learnableIndex: number[];
}

/** A parameter blob the solver updates, with its multipliers (owners only; shared copies point here). */
export interface LearnableParam {
  blob: Blob;
  layerName: string;
  /** Index of the blob among its layer's params. */
  paramIndex: number;
  lrMult: number;
  decayMult: number;
}

export interface Net {
  name: string;
  layers: NetLayer[];
  /** Blobs in Caffe's blob_names_ order (order of first creation, split blobs included). */
  blobs: NamedBlob[];
  blobByName: Map<string, Blob>;
  /** Net inputs declared with `input`/`input_shape` (filled by the caller). */
  inputs: NamedBlob[];
  /** Blobs no layer consumes, with their loss weight. */
  outputs: { name: string; blob: Blob; lossWeight: number }[];
  learnable: LearnableParam[];
}

export type LayerPass = "forward" | "backward" | "update";

/**
 * What an instrumentation hook sees after a layer's pass. Forward: tops (data
 * is fresh). Backward: the bottoms whose diff was written and the params whose
 * diff was computed. Update: the layer's params (data after `data -= diff`,
 * diff = the step taken).
 */
export interface LayerPassBlobs {
  tops: NamedBlob[];
  bottoms: NamedBlob[];
  params: Blob[];
}

export type LayerHook = (layerName: string, pass: LayerPass, blobs: LayerPassBlobs, layer: NetLayer) => void;

/** Caffe's name for a top a loss layer creates itself when none is declared. */
export const AUTOMATIC_TOP = "(automatic)";

/** Layer types whose parameter blobs are statistics, never learned: Caffe forces their lr_mult to 0. */
const STATISTICS_LAYER_TYPES = new Set(["BatchNorm"]);

function asArray(value: PlainValue | PlainValue[] | undefined): PlainValue[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function strings(message: PlainMessage, field: string): string[] {
  return asArray(message[field]).map(String);
}

function numbers(message: PlainMessage, field: string): number[] {
  return asArray(message[field]).map(Number);
}

function layerLabel(param: LayerParameter): string {
  return `layer "${String(param.name ?? "")}" (type ${String(param.type ?? "?")})`;
}

function splitLayerName(producer: string, blob: string, topIndex: number): string {
  return `${blob}_${producer}_${topIndex}_split`;
}

function splitBlobName(producer: string, blob: string, topIndex: number, k: number): string {
  return `${splitLayerName(producer, blob, topIndex)}_${k}`;
}

function makeSplitLayer(producer: string, blob: string, topIndex: number, count: number, lossWeight: number): LayerParameter {
  const tops: string[] = [];
  for (let k = 0; k < count; k++) tops.push(splitBlobName(producer, blob, topIndex, k));
  const layer: LayerParameter = { name: splitLayerName(producer, blob, topIndex), type: "Split", bottom: [blob], top: tops };
  if (lossWeight !== 0) layer.loss_weight = tops.map((_, k) => (k === 0 ? lossWeight : 0));
  return layer;
}

/**
 * Caffe's InsertSplits: every top (or net input) consumed more than once (an
 * explicit non-zero loss_weight counts as a consumer) gets a Split layer right
 * after its producer, and each consumer reads its own copy
 * `<blob>_<producer>_<topidx>_split_<k>`. In-place chains work because each
 * in-place layer becomes the blob's latest producer.
 */
export function insertSplits(layers: LayerParameter[], inputs: string[] = []): LayerParameter[] {
  const key = (layer: number, top: number) => `${layer}:${top}`;
  const lastProducer = new Map<string, [number, number]>();
  const consumerCount = new Map<string, number>();
  const lossWeightOf = new Map<string, number>();
  const sourceOfBottom = new Map<string, [number, number]>();
  const producerName = (layer: number) => (layer < 0 ? "input" : String(layers[layer]!.name ?? ""));
  inputs.forEach((name, i) => lastProducer.set(name, [-1, i]));
  layers.forEach((layer, i) => {
    strings(layer, "bottom").forEach((blob, j) => {
      const source = lastProducer.get(blob);
      if (!source) throw new NetError(`${layerLabel(layer)}: unknown bottom blob "${blob}" (bottom ${j}); no earlier layer produces it`);
      sourceOfBottom.set(key(i, j), source);
      const k = key(source[0], source[1]);
      consumerCount.set(k, (consumerCount.get(k) ?? 0) + 1);
    });
    const tops = strings(layer, "top");
    tops.forEach((blob, j) => lastProducer.set(blob, [i, j]));
    const lossWeights = numbers(layer, "loss_weight");
    for (let j = 0; j < Math.min(lossWeights.length, tops.length); j++) {
      const source = lastProducer.get(tops[j]!)!;
      const k = key(source[0], source[1]);
      lossWeightOf.set(k, lossWeights[j]!);
      if (lossWeights[j] !== 0) consumerCount.set(k, (consumerCount.get(k) ?? 0) + 1);
    }
  });
  const result: LayerParameter[] = [];
  const nextSplitIndex = new Map<string, number>();
  inputs.forEach((name, i) => {
    const count = consumerCount.get(key(-1, i)) ?? 0;
    if (count > 1) result.push(makeSplitLayer("input", name, i, count, 0));
  });
  layers.forEach((original, i) => {
    const layer: LayerParameter = { ...original };
    const bottoms = strings(original, "bottom");
    layer.bottom = bottoms.map((blob, j) => {
      const [srcLayer, srcTop] = sourceOfBottom.get(key(i, j))!;
      const k = key(srcLayer, srcTop);
      if ((consumerCount.get(k) ?? 0) <= 1) return blob;
      const index = nextSplitIndex.get(k) ?? 0;
      nextSplitIndex.set(k, index + 1);
      return splitBlobName(producerName(srcLayer), blob, srcTop, index);
    });
    result.push(layer);
    strings(original, "top").forEach((blob, j) => {
      const k = key(i, j);
      const count = consumerCount.get(k) ?? 0;
      if (count <= 1) return;
      const lossWeight = lossWeightOf.get(k) ?? 0;
      result.push(makeSplitLayer(producerName(i), blob, j, count, lossWeight));
      if (lossWeight !== 0) {
        // The split's first copy now carries the loss.
        delete layer.loss_weight;
        nextSplitIndex.set(k, (nextSplitIndex.get(k) ?? 0) + 1);
      }
    });
  });
  return result;
}

function checkCount(param: LayerParameter, what: "bottom" | "top", n: number, rule: BlobCount): void {
  const fail = (expected: string) => {
    throw new NetError(`${layerLabel(param)} takes ${expected} ${what} blob(s), but ${n} given`);
  };
  if (rule.exact !== undefined && n !== rule.exact) fail(`exactly ${rule.exact}`);
  if (rule.min !== undefined && n < rule.min) fail(`at least ${rule.min}`);
  if (rule.max !== undefined && n > rule.max) fail(`at most ${rule.max}`);
}

function inputShapes(netParam: PlainMessage, inputs: string[]): number[][] {
  const dims = numbers(netParam, "input_dim");
  const shapes = asArray(netParam.input_shape) as PlainMessage[];
  if (dims.length > 0 && shapes.length > 0) throw new NetError("specify either input_shape or the deprecated input_dim, not both");
  if (dims.length > 0) {
    if (dims.length !== inputs.length * 4) throw new NetError(`input_dim needs 4 values per input: ${inputs.length} input(s), ${dims.length} input_dim value(s)`);
    return inputs.map((_, i) => dims.slice(i * 4, i * 4 + 4));
  }
  if (shapes.length !== inputs.length) throw new NetError(`exactly one input_shape per input: ${inputs.length} input(s), ${shapes.length} input_shape(s)`);
  return shapes.map((s) => numbers(s, "dim"));
}

/** The ParamSpec messages of a layer, one per param blob, with Caffe's forced lr_mult 0 for statistics layers. */
function paramSpecs(param: LayerParameter, numParams: number): PlainMessage[] {
  const given = asArray(param.param) as PlainMessage[];
  if (given.length > numParams) throw new NetError(`${layerLabel(param)} has ${given.length} param specs but only ${numParams} parameter blob(s)`);
  const specs: PlainMessage[] = [];
  for (let i = 0; i < numParams; i++) {
    const spec = given[i];
    if (STATISTICS_LAYER_TYPES.has(String(param.type))) {
      if (spec && spec.lr_mult !== undefined && Number(spec.lr_mult) !== 0) {
        throw new NetError(`${layerLabel(param)}: its statistics blobs cannot be learned (param ${i} has lr_mult ${String(spec.lr_mult)}; use 0 or omit it)`);
      }
      specs.push({ ...(spec ?? {}), lr_mult: 0 });
    } else specs.push(spec ?? {});
  }
  return specs;
}

/**
 * Build a net from a NetParameter already filtered for its phase. Creates each
 * layer through `registry` (default: the engine's layers; SetUp), reshapes it so the next layer sees its
 * input shapes, and fixes which layers run backward like Caffe's Net::Init.
 */
export function buildNet(netParam: PlainMessage, ctx: LayerContext, registry: Record<string, LayerDefinition> = layerRegistry): Net {
  if (asArray(netParam.layers).length > 0 && asArray(netParam.layer).length === 0) {
    throw new NetError("the net uses V1 'layers' entries; upgrade it to V2 'layer' entries before building");
  }
  const inputNames = strings(netParam, "input");
  const params = insertSplits(asArray(netParam.layer) as LayerParameter[], inputNames);
  const blobs: NamedBlob[] = [];
  const blobByName = new Map<string, Blob>();
  const blobIndex = new Map<string, number>();
  const blobNeedBackward: boolean[] = [];
  const available = new Set<string>();
  const inputs: NamedBlob[] = [];

  const shapes = inputNames.length > 0 ? inputShapes(netParam, inputNames) : [];
  inputNames.forEach((name, i) => {
    if (blobByName.has(name)) throw new NetError(`input "${name}" is declared twice`);
    const blob = makeBlob(shapes[i]!);
    blobIndex.set(name, blobs.length);
    blobs.push({ name, blob });
    blobByName.set(name, blob);
    blobNeedBackward.push(false);
    available.add(name);
    inputs.push({ name, blob });
  });

  const layers: NetLayer[] = [];
  const learnable: LearnableParam[] = [];
  const sharedByName = new Map<string, { learnableIndex: number; blob: Blob; layer: string; hasLr: boolean; hasDecay: boolean }>();

  for (const param of params) {
    const type = String(param.type ?? "");
    const name = String(param.name ?? "");
    const definition = registry[type];
    if (!definition) throw new NetError(`${layerLabel(param)}: layer type "${type}" is not supported by the engine`);
    const bottomNames = strings(param, "bottom");
    const declaredTops = strings(param, "top");
    // Caffe's AutoTopBlobs: loss layers get the tops they need even when none are named.
    const needed = Math.max(definition.tops.min ?? 0, definition.tops.exact ?? 0);
    const autoTops = type.endsWith("Loss") ? Math.max(0, needed - declaredTops.length) : 0;
    const topNames = [...declaredTops, ...Array<string>(autoTops).fill(AUTOMATIC_TOP)];
    checkCount(param, "bottom", bottomNames.length, definition.bottoms);
    checkCount(param, "top", topNames.length, definition.tops);
    const propagateDown = asArray(param.propagate_down).map(Boolean);
    if (propagateDown.length > 0 && propagateDown.length !== bottomNames.length) {
      throw new NetError(`${layerLabel(param)}: propagate_down must be given 0 or ${bottomNames.length} times (once per bottom), got ${propagateDown.length}`);
    }

    let needBackward = false;
    const bottoms: Blob[] = [];
    const bottomNeedBackward: boolean[] = [];
    bottomNames.forEach((blobName, j) => {
      if (!available.has(blobName)) throw new NetError(`${layerLabel(param)}: bottom "${blobName}" is not available (unknown, or already consumed)`);
      const index = blobIndex.get(blobName)!;
      bottoms.push(blobs[index]!.blob);
      available.delete(blobName);
      bottomNeedBackward.push(blobNeedBackward[index]! && (propagateDown.length === 0 || propagateDown[j]!));
      needBackward ||= blobNeedBackward[index]!;
    });
    const tops: Blob[] = [];
    const topIndices: number[] = [];
    topNames.forEach((blobName, j) => {
      if (j >= declaredTops.length) {
        // Anonymous: listed among the net's blobs, but no other layer can use it.
        const blob = makeBlob([0]);
        topIndices.push(blobs.length);
        blobs.push({ name: blobName, blob });
        blobNeedBackward.push(false);
        tops.push(blob);
        return;
      }
      if (j < bottomNames.length && bottomNames[j] === blobName) {
        tops.push(bottoms[j]!); // in place
        topIndices.push(blobIndex.get(blobName)!);
      } else if (blobIndex.has(blobName)) {
        throw new NetError(`${layerLabel(param)}: top "${blobName}" is already produced by an earlier layer (only in-place reuse as the same-index bottom is allowed)`);
      } else {
        const blob = makeBlob([0]);
        blobIndex.set(blobName, blobs.length);
        topIndices.push(blobs.length);
        blobs.push({ name: blobName, blob });
        blobByName.set(blobName, blob);
        blobNeedBackward.push(false);
        tops.push(blob);
      }
      available.add(blobName);
    });

    let instance: LayerInstance;
    try {
      instance = definition.create(param, bottoms, ctx);
      instance.reshape(bottoms, tops);
    } catch (error) {
      if (error instanceof NetError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new NetError(`${layerLabel(param)}: ${message}`);
    }

    const explicitLoss = numbers(param, "loss_weight");
    if (explicitLoss.length > 0 && explicitLoss.length !== topNames.length) {
      throw new NetError(`${layerLabel(param)}: loss_weight must be unset or given once per top (${topNames.length}), got ${explicitLoss.length}`);
    }
    if (explicitLoss.length === 0 && (instance.defaultLossWeight ?? 0) !== 0 && topNames.length > 1) {
      // Caffe's LossLayer adds one default loss_weight, then requires one per top.
      throw new NetError(`${layerLabel(param)}: a loss layer with ${topNames.length} tops needs loss_weight given once per top (Caffe adds a single default loss_weight and fails its check)`);
    }
    const lossWeights = topNames.map((_, j) => (explicitLoss.length > 0 ? explicitLoss[j]! : j === 0 ? instance.defaultLossWeight ?? 0 : 0));

    const specs = paramSpecs(param, instance.params.length);
    const paramNeedBackward = specs.map((spec) => (spec.lr_mult === undefined ? 1 : Number(spec.lr_mult)) > 0);
    needBackward ||= paramNeedBackward.some(Boolean);
    const learnableIndex = specs.map((spec, i) => {
      const blob = instance.params[i]!;
      const shareName = typeof spec.name === "string" ? spec.name : "";
      const lrMult = spec.lr_mult === undefined ? 1 : Number(spec.lr_mult);
      const decayMult = spec.decay_mult === undefined ? 1 : Number(spec.decay_mult);
      const owner = shareName ? sharedByName.get(shareName) : undefined;
      if (!owner) {
        learnable.push({ blob, layerName: name, paramIndex: i, lrMult, decayMult });
        if (shareName) sharedByName.set(shareName, { learnableIndex: learnable.length - 1, blob, layer: name, hasLr: spec.lr_mult !== undefined, hasDecay: spec.decay_mult !== undefined });
        return learnable.length - 1;
      }
      return shareParam(param, spec, blob, owner, learnable);
    });

    const layer: NetLayer = {
      name, type, param, instance, bottomNames, topNames, bottoms, tops, lossWeights,
      needBackward, bottomNeedBackward, paramNeedBackward, learnableIndex,
    };
    layers.push(layer);
    if (needBackward) for (const index of topIndices) blobNeedBackward[index] = true;
  }

  pruneBackward(layers);
  if (netParam.force_backward === true) forceBackward(layers, blobIndex, blobNeedBackward);

  // Caffe keeps the remaining blobs in a std::set, so outputs come in name order.
  const outputs = [...available].sort().map((blobName) => {
    let lossWeight = 0;
    for (const layer of layers) {
      const j = layer.topNames.indexOf(blobName);
      if (j >= 0) lossWeight = layer.lossWeights[j]!;
    }
    return { name: blobName, blob: blobByName.get(blobName)!, lossWeight };
  });
  return { name: String(netParam.name ?? ""), layers, blobs, blobByName, inputs, outputs, learnable };
}

/**
 * Share a param blob with its owner by name (Caffe's ShareData + ShareDiff):
 * the layer's blob takes the owner's arrays, so layers must read `blob.data`
 * and `blob.diff` through the blob at each call.
 */
function shareParam(
  param: LayerParameter,
  spec: PlainMessage,
  blob: Blob,
  owner: { learnableIndex: number; blob: Blob; layer: string; hasLr: boolean; hasDecay: boolean },
  learnable: LearnableParam[],
): number {
  const shareName = String(spec.name);
  const permissive = spec.share_mode === "PERMISSIVE";
  const same = permissive
    ? blob.data.length === owner.blob.data.length
    : blob.shape.length === owner.blob.shape.length && blob.shape.every((d, k) => d === owner.blob.shape[k]);
  if (!same) {
    throw new NetError(
      `${layerLabel(param)}: shared param "${shareName}" has shape [${blob.shape.join(", ")}] but its owner layer "${owner.layer}" has [${owner.blob.shape.join(", ")}]`,
    );
  }
  const entry = learnable[owner.learnableIndex]!;
  for (const [field, has, key] of [["lr_mult", "hasLr", "lrMult"], ["decay_mult", "hasDecay", "decayMult"]] as const) {
    if (spec[field] === undefined) continue;
    const value = Number(spec[field]);
    if (owner[has] && entry[key] !== value) {
      throw new NetError(`${layerLabel(param)}: shared param "${shareName}" has ${field} ${value} but its owner layer "${owner.layer}" uses ${entry[key]}`);
    }
    owner[has] = true;
    entry[key] = value;
  }
  blob.data = owner.blob.data;
  blob.diff = owner.blob.diff;
  return owner.learnableIndex;
}

/** Caffe's backward pass over the layers: skip layers that do not reach a loss or whose bottoms all skip backprop. */
function pruneBackward(layers: NetLayer[]): void {
  const underLoss = new Set<string>();
  const skipBackprop = new Set<string>();
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    let contributesLoss = false;
    let skipPropagateDown = true;
    layer.topNames.forEach((name, j) => {
      if (layer.lossWeights[j] !== 0 || underLoss.has(name)) contributesLoss = true;
      if (!skipBackprop.has(name)) skipPropagateDown = false;
    });
    if (layer.needBackward && skipPropagateDown) {
      layer.needBackward = false;
      layer.bottomNeedBackward.fill(false);
    }
    if (!contributesLoss) layer.needBackward = false;
    layer.bottomNames.forEach((name, j) => {
      if (contributesLoss) underLoss.add(name);
      else layer.bottomNeedBackward[j] = false;
      if (!layer.bottomNeedBackward[j]) skipBackprop.add(name);
    });
  }
}

/** NetParameter.force_backward: every layer runs backward, for every bottom the layer allows. */
function forceBackward(layers: NetLayer[], blobIndex: Map<string, number>, blobNeedBackward: boolean[]): void {
  for (const layer of layers) {
    layer.needBackward = true;
    layer.bottomNames.forEach((name, j) => {
      const allowed = layer.instance.allowForceBackward ? layer.instance.allowForceBackward(j) : true;
      layer.bottomNeedBackward[j] = layer.bottomNeedBackward[j]! || allowed;
      const index = blobIndex.get(name)!;
      blobNeedBackward[index] = blobNeedBackward[index]! || layer.bottomNeedBackward[j]!;
    });
    layer.paramNeedBackward.fill(true);
  }
}

function named(names: string[], blobs: Blob[]): NamedBlob[] {
  return names.map((name, j) => ({ name, blob: blobs[j]! }));
}

/**
 * One forward pass over all layers. Each layer is reshaped to its inputs, run,
 * and its loss tops get diff = loss weight (as Caffe's SetLossWeights); the
 * returned loss is the float32 sum of loss_weight * top data in layer order.
 */
export function forward(net: Net, hook?: LayerHook): number {
  let loss = 0;
  for (const layer of net.layers) {
    layer.instance.reshape(layer.bottoms, layer.tops);
    layer.instance.forward(layer.bottoms, layer.tops);
    for (let j = 0; j < layer.tops.length; j++) {
      const weight = layer.lossWeights[j]!;
      if (weight === 0) continue;
      const top = layer.tops[j]!;
      top.diff.fill(weight);
      let layerLoss = 0;
      for (let k = 0; k < top.data.length; k++) layerLoss = Math.fround(layerLoss + Math.fround(weight * top.data[k]!));
      loss = Math.fround(loss + layerLoss);
    }
    hook?.(layer.name, "forward", { tops: named(layer.topNames, layer.tops), bottoms: [], params: layer.instance.params }, layer);
  }
  return loss;
}

/** One backward pass in reverse layer order; param diffs accumulate, diffs of lr_mult-0 params stay zero. */
export function backward(net: Net, hook?: LayerHook): void {
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i]!;
    if (!layer.needBackward) continue;
    layer.instance.backward(layer.tops, layer.bottomNeedBackward, layer.bottoms);
    layer.paramNeedBackward.forEach((need, p) => {
      if (!need) layer.instance.params[p]!.diff.fill(0);
    });
    if (hook) {
      const bottoms = named(layer.bottomNames, layer.bottoms).filter((_, j) => layer.bottomNeedBackward[j]);
      const params = layer.instance.params.filter((_, p) => layer.paramNeedBackward[p]);
      hook(layer.name, "backward", { tops: [], bottoms, params }, layer);
    }
  }
}

/** Net::ClearParamDiffs: zero every learnable param's diff before an iteration. */
export function clearParamDiffs(net: Net): void {
  for (const param of net.learnable) param.blob.diff.fill(0);
}

/** Net::Update: data -= diff for every owned learnable param; then the hook sees each layer's params. */
export function applyParamDiffs(net: Net, hook?: LayerHook): void {
  for (const param of net.learnable) {
    const { data, diff } = param.blob;
    for (let k = 0; k < data.length; k++) data[k] = data[k]! - diff[k]!;
  }
  announceUpdate(net, hook);
}

/** The "update" pass of the hook: each layer's params once their update is applied. */
export function announceUpdate(net: Net, hook?: LayerHook): void {
  if (!hook) return;
  for (const layer of net.layers) {
    if (layer.instance.params.length > 0) hook(layer.name, "update", { tops: [], bottoms: [], params: layer.instance.params }, layer);
  }
}
