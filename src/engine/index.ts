/** The CPU training engine: nets, fillers, solvers, weight loading and training steps. */
export type * from "./types.js";
export { fillBlob, fanSizes, FillerError } from "./fillers.js";
export { seededRandom, gaussian } from "./rng.js";
export { layerRegistry } from "./layers/index.js";
export { buildNet, insertSplits, forward, backward, clearParamDiffs, applyParamDiffs, NetError, AUTOMATIC_TOP } from "./net.js";
export type { Net, NetLayer, NamedBlob, LearnableParam, LayerHook, LayerPass, LayerPassBlobs } from "./net.js";
export * from "./solvers/index.js";
export { loadCaffemodel, decodeCaffemodel, decodeBlobProto, WeightsError } from "./weights.js";
export type { StoredBlob, StoredLayer, LoadReport } from "./weights.js";
export { trainSteps } from "./train.js";
export type { TrainOptions, IterationResult, LayerPassStats, BlobPassStats } from "./train.js";
export { blobStats } from "./stats.js";
export type { BlobStats } from "./stats.js";
