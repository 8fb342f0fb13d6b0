/** The model stage's boundary: per-phase net graphs and the solver, as rules see them. */
import type { PlainMessage } from "../schema/types.js";
import type { DatasetStats } from "../load/dataset-stats.js";
import type { ImageListStats } from "../load/image-list.js";
import type { Phase } from "../findings.js";

export type { Phase };

/** The state a net is instantiated in (Caffe's NetState). */
export interface NetState {
  phase: Phase;
  level: number;
  stages: string[];
}

/** A blob shape; undefined where it cannot be inferred statically. */
export type Shape = number[];

export interface LayerNode {
  /** Position in the net's `layer` list (after a V1 upgrade), for every phase alike. */
  index: number;
  name: string;
  type: string;
  /** The layer message, with source positions (spanOf). */
  param: PlainMessage;
  bottoms: string[];
  tops: string[];
  /** Shapes of bottoms and tops where known. */
  bottomShapes: (Shape | undefined)[];
  topShapes: (Shape | undefined)[];
  /** Number of learnable parameter values (weights + biases), when the shapes allow counting. */
  paramCount?: number;
}

export interface BlobNode {
  name: string;
  /** Layers writing the blob, in order (more than one for in-place chains). */
  producers: LayerNode[];
  /** Layers reading the blob. */
  consumers: LayerNode[];
  shape?: Shape;
}

/** A problem in the graph itself, found while building it; rules turn these into findings. */
export type GraphProblem =
  | { kind: "unknown-bottom"; layer: LayerNode; bottomIndex: number; blob: string }
  | { kind: "include-and-exclude"; layer: LayerNode }
  | { kind: "duplicate-top"; layer: LayerNode; topIndex: number; blob: string; earlier: LayerNode };

/** The net as Caffe instantiates it in one state. */
export interface PhaseNet {
  state: NetState;
  layers: LayerNode[];
  blobs: Map<string, BlobNode>;
  problems: GraphProblem[];
  /** Total learnable parameter values, when every learnable layer's shapes are known. */
  paramCount?: number;
}

/** deploy: inputs, no loss; train_val: phase rules; train: a loss, no phase rules; test: a dataset, no loss. */
export type NetKind = "deploy" | "train" | "train_val" | "test";

export interface NetModel {
  file: string;
  /** The net message, upgraded to the current layer form, with positions. */
  net: PlainMessage;
  /** The net as written, before any upgrade (rules about what the user wrote look here). */
  original: PlainMessage;
  /** TRAIN and TEST instantiations (a deploy net has only TEST). */
  phases: Partial<Record<Phase, PhaseNet>>;
  kind: NetKind;
}

export interface SolverModel {
  file: string;
  solver: PlainMessage;
}

/** Known facts about a dataset a data layer reads, when the dataset stage has looked at it. */
export interface DatasetFacts {
  /** [channels, height, width] of one record. */
  shape?: [number, number, number];
  count?: number;
}

/** What bnlint learnt about the dataset one data layer reads. */
export interface DatasetInfo {
  /** The layer's index in the (upgraded) net, its name and type, and the phases it runs in. */
  layerIndex: number;
  layer: string;
  type: string;
  phases: Phase[];
  source: string;
  backend: string;
  /** Where the source was found; undefined when it was not. */
  resolved?: string;
  /** Where bnlint looked. */
  tried: string[];
  stats?: DatasetStats;
  list?: ImageListStats;
  /** A dataset that exists but cannot be read (v2-format LMDB, not an LMDB, unreadable list). */
  error?: { code: string; message: string };
  meanFile?: { source: string; resolved?: string; shape?: number[]; error?: string };
}
