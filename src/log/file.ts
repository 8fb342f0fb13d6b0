/** Reading, parsing and diagnosing a log file in one call. */
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
