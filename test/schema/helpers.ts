/** Shared helpers for the schema tests. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseTextFormat } from "../../src/prototxt/index.js";
import { bindMessage, loadSchema, type BindResult, type Schema } from "../../src/schema/index.js";
import type { Span } from "../../src/prototxt/ast.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const CORPUS = path.join(path.resolve(REPO, "../shared"), "corpus");
export const HAVE_CORPUS = fs.existsSync(CORPUS);

export interface ManifestEntry {
  file: string;
  message: string;
  format: string;
  repo: string;
  path: string;
  reference_parser: "accepts" | "rejects";
}

export function readManifest(): ManifestEntry[] {
  return HAVE_CORPUS ? JSON.parse(fs.readFileSync(path.join(CORPUS, "manifest.json"), "utf8")) : [];
}

export function corpusSource(entry: ManifestEntry): string {
  return fs.readFileSync(path.join(CORPUS, entry.file), "utf8");
}

export function expectedJson(entry: ManifestEntry): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(CORPUS, "expected", path.basename(entry.file) + ".json"), "utf8"));
}

let cached: Schema | undefined;
/** bnlint's own schema, loaded once per test file. */
export function caffeSchema(): Schema {
  cached ??= loadSchema();
  return cached;
}

/** Parses and binds text as `typeName` (default caffe.NetParameter) with bnlint's schema. */
export function bindText(source: string, typeName = "caffe.NetParameter"): BindResult {
  return bindMessage(parseTextFormat(source), typeName, caffeSchema());
}

/** The source text covered by a span. */
export function textAt(source: string, span: Span | undefined): string | undefined {
  return span && source.slice(span.start.offset, span.end.offset);
}
