/** Caffe training-log reading and diagnosis: parse a log, diagnose it, export its series. */
export * from "./types.js";
export { parseLogLines, parseLogFile, createLogChunkReader, parseCaffeNumber, LogReadError } from "./parse.js";
export type { LogChunkReader } from "./parse.js";
export { diagnoseLog, lastRun, lossFacts, saturatedCount, guessNormaliser, SATURATED_SAMPLE_LOSS } from "./diagnose.js";
export type { LossFacts } from "./diagnose.js";
export { seriesToCsv } from "./csv.js";
export { sparkline } from "./sparkline.js";
export { logToJson, toJsonNumber } from "./json.js";

import { diagnoseLog } from "./diagnose.js";
import { logToJson } from "./json.js";
import { parseLogFile } from "./parse.js";
import type { LogJson, ParsedLog } from "./types.js";

/** Reads, parses and diagnoses a log file; returns the parse and the report's JSON `log` object. */
export async function diagnoseLogFile(
  file: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<{ parsed: ParsedLog; json: LogJson }> {
  const parsed = await parseLogFile(file, onProgress);
  return { parsed, json: logToJson(file, parsed, diagnoseLog(parsed)) };
}
