/** Protobuf text-format syntax: tree types and the parser. */
export * from "./ast.js";
export { parseTextFormat, stringValue, DEFAULT_MAX_DEPTH } from "./parse.js";
export type { ParseOptions } from "./parse.js";
