/**
 * The engine's vocabulary. The engine runs Caffe nets on the CPU with Caffe's
 * semantics; it knows nothing about linting. Layer parameters arrive as plain
 * `LayerParameter` messages (snake_case .proto field names, unset fields
 * absent, enums by name; see src/schema/types.ts), already filtered for the
 * phase being run.
 */
import type { PlainMessage } from "../schema/types.js";

/** Caffe's Blob: an N-d array with a same-sized gradient, row-major (NCHW). */
export interface Blob {
  shape: number[];
  data: Float32Array;
  diff: Float32Array;
}

export type LayerParameter = PlainMessage;

/** One record of a Caffe dataset, as the Data layer sees it (a decoded `caffe.Datum`). */
export interface DatumLike {
  channels: number;
  height: number;
  width: number;
  /** uint8 pixels, C*H*W, when stored as bytes. */
  data?: Uint8Array;
  /** float pixels, C*H*W, when stored as floats. */
  float_data?: ArrayLike<number>;
  label: number;
  encoded?: boolean;
}

/** An endless stream of records in the order Caffe would read them (wrapping at the end). */
export interface RecordSource {
  next(): DatumLike;
}

/** A mean image (`mean_file`, a BlobProto), shape [C, H, W]. */
export interface MeanImage {
  shape: number[];
  data: Float32Array;
}

/** What the host provides to layers: phase, randomness, data. */
export interface LayerContext {
  phase: "TRAIN" | "TEST";
  /** Uniform [0, 1) from the run's seeded generator. */
  random(): number;
  /** Records for a Data/ImageData layer; undefined means "make synthetic batches from the declared shape". */
  recordSource?(layer: LayerParameter): RecordSource | undefined;
  /** The mean image named by a layer's transform_param.mean_file. */
  meanImage?(path: string): MeanImage | undefined;
  /**
   * Record size for synthetic batches when `recordSource` gives none (a Data
   * layer's .proto settings do not say it). Synthetic records have uniform
   * random byte pixels and labels uniform in [0, labels) (default 1: all 0).
   */
  syntheticRecordShape?(layer: LayerParameter): { channels: number; height: number; width: number; labels?: number } | undefined;
  /**
   * Fills top `topIndex` of an Input layer before each forward pass (the
   * caller's data: Caffe's Input layer leaves its tops as the caller set them).
   */
  inputValues?(layer: LayerParameter, topIndex: number, top: Blob): void;
}

/**
 * A layer instance, following Caffe's lifecycle: created (SetUp: read parameters,
 * create and fill weights once), then `reshape` whenever input shapes change,
 * then `forward` and `backward`. Loss layers write their loss into top[0].data[0];
 * the net seeds top[0].diff[0] with the loss weight before backward.
 */
export interface LayerInstance {
  /** Learnable blobs, in Caffe's order (e.g. weights then bias; BatchNorm: mean, variance, factor). */
  params: Blob[];
  reshape(bottom: Blob[], top: Blob[]): void;
  forward(bottom: Blob[], top: Blob[]): void;
  /** propagateDown[i]: whether bottom[i].diff must be written. Parameter diffs are accumulated (+=). */
  backward(top: Blob[], propagateDown: boolean[], bottom: Blob[]): void;
  /** Default loss weight of top[0] when loss_weight is unset (1 for *Loss layers, 0 otherwise). */
  defaultLossWeight?: number;
  /** Whether the layer can compute its input gradient for bottom i (false e.g. for labels). */
  allowForceBackward?(bottomIndex: number): boolean;
}

/** How many bottoms/tops a type takes; the net checks these and names the layer in errors. */
export interface BlobCount {
  exact?: number;
  min?: number;
  max?: number;
}

export interface LayerDefinition {
  type: string;
  bottoms: BlobCount;
  tops: BlobCount;
  /** SetUp: read the parameters, create parameter blobs with their fillers. Bottom shapes are known. */
  create(param: LayerParameter, bottom: Blob[], ctx: LayerContext): LayerInstance;
}
