/**
 * The whole shared corpus against the reference (Google's text-format parser
 * with BVLC's caffe.proto): for every accepted file the bound message's
 * protobuf JSON must equal the reference JSON exactly; every file the
 * reference rejects must be rejected, with the first error on the same line
 * (columns are compared and counted: a list's '[' has no position in the
 * syntax tree, so an error about a list points at its first element instead).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseTextFormat, TextFormatError } from "../../src/prototxt/index.js";
import { bindMessage, loadSchema, toProtoJson, type Schema } from "../../src/schema/index.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SHARED = path.resolve(REPO, "../shared");
const CORPUS = path.join(SHARED, "corpus");
const HAVE_SHARED = fs.existsSync(CORPUS);

interface ManifestEntry {
  file: string;
  message: string;
  format: string;
  reference_parser: "accepts" | "rejects";
}

/** Parses and binds; the first error (syntax or schema) as LINE:COL with its text. */
function lintFile(source: string, typeName: string, schema: Schema) {
  try {
    const doc = parseTextFormat(source);
    const { message, diagnostics } = bindMessage(doc, typeName, schema);
    const first = diagnostics.find((d) => d.severity === "error");
    return { message, firstError: first && { line: first.line, column: first.column, text: first.message } };
  } catch (err) {
    if (!(err instanceof TextFormatError)) throw err;
    return { message: undefined, firstError: { line: err.line, column: err.column, text: err.message } };
  }
}

if (!HAVE_SHARED) console.warn("schema corpus tests skipped: ../shared absent");

describe.skipIf(!HAVE_SHARED)("schema: shared corpus against the reference parser (skipped when ../shared absent)", () => {
  const manifest: ManifestEntry[] = HAVE_SHARED ? JSON.parse(fs.readFileSync(path.join(CORPUS, "manifest.json"), "utf8")) : [];
  const schema = loadSchema();
  const columnAgrees: string[] = [];
  const lineOnlyAgrees: string[] = [];

  afterAll(() => {
    console.info(
      `schema corpus: ${columnAgrees.length + lineOnlyAgrees.length} rejected files; first error LINE:COL agrees on ` +
        `${columnAgrees.length}, LINE only on ${lineOnlyAgrees.length}${lineOnlyAgrees.length ? ": " + lineOnlyAgrees.join("; ") : ""}`,
    );
  });

  it("has a manifest with both accepted and rejected files", () => {
    expect(manifest.some((e) => e.reference_parser === "accepts")).toBe(true);
    expect(manifest.some((e) => e.reference_parser === "rejects")).toBe(true);
  });

  for (const entry of manifest) {
    const name = path.basename(entry.file);
    it(`${entry.reference_parser === "accepts" ? "binds" : "rejects"} ${name}`, () => {
      const source = fs.readFileSync(path.join(CORPUS, entry.file), "utf8");
      const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, "expected", name + ".json"), "utf8"));
      const { message, firstError } = lintFile(source, entry.message, schema);
      if (typeof expected.error === "string") {
        expect(firstError, "the reference rejects this file").toBeDefined();
        const [, refLine, refColumn] = /^(\d+):(\d+)/.exec(expected.error)!;
        expect(`${firstError!.line}`, `${firstError!.text} vs ${expected.error}`).toBe(refLine);
        if (`${firstError!.column}` === refColumn) columnAgrees.push(name);
        else lineOnlyAgrees.push(`${name} ${firstError!.line}:${firstError!.column} vs ${refLine}:${refColumn}`);
      } else {
        expect(firstError, firstError?.text).toBeUndefined();
        expect(toProtoJson(message!, entry.message, schema)).toEqual(expected);
      }
    });
  }
});
