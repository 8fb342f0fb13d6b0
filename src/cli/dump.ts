/** `bnlint dump FILE`: the parsed message as protobuf JSON with .proto field names. */
import fs from "node:fs";
import { looksLikeSolver, schemaFor } from "../lint/lint.js";
import { parseTextFormat, TextFormatError } from "../prototxt/index.js";
import { bindMessage, toProtoJson } from "../schema/index.js";
import { UsageError } from "./io.js";

export interface DumpResult {
  json: string;
  /** Schema problems, as `file:line:col: message` lines; non-empty means the reference parser would reject the file. */
  errors: string[];
}

export function dumpFile(file: string, options: { proto?: string; type?: string } = {}): DumpResult {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const schema = schemaFor({ proto: options.proto });
  let doc;
  try {
    doc = parseTextFormat(text);
  } catch (err) {
    if (err instanceof TextFormatError) return { json: "", errors: [`${file}:${err.message}`] };
    throw err;
  }
  const type = options.type ?? (looksLikeSolver(doc, schema) ? "SolverParameter" : "NetParameter");
  const typeName = type.includes(".") ? type : `${schema.packageName}.${type}`;
  const bound = bindMessage(doc, typeName, schema);
  const errors = bound.diagnostics.filter((d) => d.severity === "error").map((d) => `${file}:${d.line}:${d.column}: ${d.message}`);
  return { json: JSON.stringify(toProtoJson(bound.message, typeName, schema), null, 2) + "\n", errors };
}
