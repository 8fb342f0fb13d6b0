/** Questions rules ask of a phase net's graph. Pure functions over src/model types. */
import { isLossType } from "../src/model/build.js";
import type { LayerNode, PhaseNet } from "../src/model/types.js";

/**
 * The layers that see a layer's output `topIndex` next: for an in-place chain
 * (conv1 -> bn1 -> scale1 all on "conv1") the next in-place layer, otherwise
 * every consumer of the top after this layer.
 */
export function nextLayers(net: PhaseNet, layer: LayerNode, topIndex = 0): LayerNode[] {
  const blobName = layer.tops[topIndex];
  if (blobName === undefined) return [];
  const blob = net.blobs.get(blobName);
  if (!blob) return [];
  const later = (l: LayerNode) => l.index > layer.index;
  const nextInPlace = blob.producers.filter(later).sort((a, b) => a.index - b.index)[0];
  const readers = blob.consumers.filter((l) => later(l) && (!nextInPlace || l.index <= nextInPlace.index));
  return nextInPlace && !readers.includes(nextInPlace) ? [...readers, nextInPlace] : readers;
}

/** The layer that wrote a blob last before `layer` reads it. */
export function producerBefore(net: PhaseNet, layer: LayerNode, bottomIndex: number): LayerNode | undefined {
  const blob = net.blobs.get(layer.bottoms[bottomIndex] ?? "");
  return blob?.producers.filter((p) => p.index < layer.index).sort((a, b) => b.index - a.index)[0];
}

export function lossLayers(net: PhaseNet): LayerNode[] {
  return net.layers.filter((l) => isLossType(l.type) || l.param["loss_weight"] !== undefined);
}

export { batchSize } from "../src/model/build.js";

/** Layers with weights the solver trains. */
export const WEIGHTED_TYPES = new Set(["Convolution", "Deconvolution", "InnerProduct", "Embed"]);

/** Layer types that normalise activations. */
export const NORM_TYPES = new Set(["BatchNorm", "LRN", "MVN", "Normalize", "GroupNorm", "InstanceNorm", "LayerNorm", "SyncBN", "BN"]);

/** Weighted layers (the "depth" a Caffe user means). */
export function weightedDepth(net: PhaseNet): number {
  return net.layers.filter((l) => WEIGHTED_TYPES.has(l.type)).length;
}

export function usesBatchNorm(net: PhaseNet): boolean {
  return net.layers.some((l) => l.type === "BatchNorm" || l.type === "BN" || l.type === "SyncBN");
}
