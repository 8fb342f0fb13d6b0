/** Caffe training-log reading and diagnosis: parse a log, diagnose it, export its series. */
export * from "./types.js";
export { parseLogLines, parseLogFile, createLogChunkReader, parseCaffeNumber, LogReadError } from "./parse.js";
export type { LogChunkReader } from "./parse.js";
export { diagnoseLog, lastRun, lossFacts, saturatedCount, guessNormaliser, SATURATED_SAMPLE_LOSS } from "./diagnose.js";
export type { LossFacts } from "./diagnose.js";
export { seriesToCsv } from "./csv.js";
export { sparkline } from "./sparkline.js";
export { logToJson, toJsonNumber } from "./json.js";

export { diagnoseLogFile } from "./file.js";
