/** The schema stage: loading caffe.proto, binding text to messages, JSON, binary decoding, V1/V0 upgrade, defaults. */
export * from "./types.js";
export { loadSchema, defaultProtoPath, messageType, SchemaLoadError } from "./load.js";
export type { Schema } from "./load.js";
export { bindMessage, diagnosticAt } from "./bind.js";
export type { BindResult } from "./bind.js";
export { toProtoJson, shortestFloat32 } from "./json.js";
export type { JsonValue } from "./json.js";
export { closestName, editDistance } from "./closest.js";
export { upgradeNet, upgradeSolver, netFormat, isV1Net, cloneMessage, V1_LAYER_TYPES, V0_LAYER_TYPES, SOLVER_TYPES } from "./upgrade.js";
export type { NetFormat, UpgradeResult } from "./upgrade.js";
export { fieldDefault, get, view } from "./defaults.js";
export type { MessageView } from "./defaults.js";
export { decodeBinary, floatArray, BinaryDecodeError } from "./binary.js";
