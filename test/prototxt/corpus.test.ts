/**
 * The parser over the shared corpus of real Caffe prototxts, checked against what
 * Google's own text-format parser made of each file (../shared/corpus/expected).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Field, ScalarValue } from "../../src/prototxt/ast.js";
import { parseTextFormat, stringValue } from "../../src/prototxt/index.js";
import { positionProblems } from "./helpers.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SHARED = path.resolve(REPO, "../shared");
const CORPUS = path.join(SHARED, "corpus");
const HAVE_SHARED = fs.existsSync(path.join(CORPUS, "manifest.json"));
/** Generous limit: the machine running the suite may be busy. */
const SLOW_TEST_TIMEOUT_MS = 120_000;
if (!HAVE_SHARED) console.warn("../shared absent: skipping the text-format corpus tests");

interface ManifestEntry {
  file: string;
  reference_parser: "accepts" | "rejects";
}

/** Number of a number token as Google reads it (decimal, hex, octal, f suffix). */
function numberOfText(text: string): number {
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  let value: number;
  if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16);
  else if (/^0[0-7]+$/.test(body)) value = parseInt(body.slice(1), 8);
  else value = Number(body.replace(/[fF]$/, ""));
  return negative ? -value : value;
}

const BOOLEANS: Record<string, boolean> = { true: true, True: true, t: true, false: false, False: false, f: false };

/** Whether a leaf of our tree is the value the reference JSON holds (without a schema). */
function leafMatches(v: ScalarValue, json: unknown): boolean {
  if (typeof json === "boolean") {
    if (v.kind === "identifier") return BOOLEANS[v.text] === json;
    return v.kind === "number" && numberOfText(v.text) === (json ? 1 : 0);
  }
  if (typeof json === "number") {
    if (v.kind !== "number") return false;
    const x = numberOfText(v.text);
    return x === json || Math.fround(x) === json || Math.fround(x) === Math.fround(json);
  }
  if (typeof json === "string") {
    if (v.kind === "string") {
      const text = stringValue(v);
      return text === json || Buffer.from(v.bytes).toString("base64") === json;
    }
    if (v.kind === "identifier") {
      const lower = v.text.toLowerCase();
      if (json === "Infinity" || json === "-Infinity" || json === "NaN") {
        const want = json === "NaN" ? ["nan", "-nan"] : json === "Infinity" ? ["inf", "infinity"] : ["-inf", "-infinity"];
        return want.includes(lower);
      }
      return v.text === json;
    }
    // a 64-bit integer (JSON string) or an enum given by number (JSON name): the schema decides
    return /^-?\d+$/.test(json) ? BigInt(v.text) === BigInt(json) : v.isInteger;
  }
  return false;
}

/**
 * Compares one message of our tree with the reference JSON object: same field
 * names, same count for repeated fields, same leaves. Returns the differences.
 */
function compareMessage(fields: Field[], json: Record<string, unknown>, where: string, out: string[]): void {
  const byName = new Map<string, Field[]>();
  for (const f of fields) {
    const list = byName.get(f.name);
    if (list) list.push(f);
    else byName.set(f.name, [f]);
  }
  const ours = [...byName.keys()].sort();
  const theirs = Object.keys(json).sort();
  if (ours.join() !== theirs.join()) {
    out.push(`${where}: fields [${ours.join(", ")}] vs reference [${theirs.join(", ")}]`);
    return;
  }
  for (const [name, occurrences] of byName) {
    const ref = json[name];
    const at = `${where}.${name}`;
    if (Array.isArray(ref)) {
      if (ref.length !== occurrences.length) {
        out.push(`${at}: ${occurrences.length} values vs reference ${ref.length}`);
        continue;
      }
      occurrences.forEach((f, k) => compareValue(f, ref[k], `${at}[${k}]`, out));
    } else if (occurrences[0].value.kind === "message") {
      // a singular message set several times is merged
      const merged = occurrences.flatMap((f) => (f.value.kind === "message" ? f.value.fields : []));
      compareMessage(merged, ref as Record<string, unknown>, at, out);
    } else {
      compareValue(occurrences[occurrences.length - 1], ref, at, out); // last one wins
    }
  }
}

function compareValue(f: Field, ref: unknown, at: string, out: string[]): void {
  if (f.value.kind === "message") {
    if (typeof ref !== "object" || ref === null) out.push(`${at}: message vs reference ${JSON.stringify(ref)}`);
    else compareMessage(f.value.fields, ref as Record<string, unknown>, at, out);
  } else if (!leafMatches(f.value, ref)) {
    const shown = f.value.kind === "string" ? JSON.stringify(stringValue(f.value)) : f.value.text;
    out.push(`${at} (${f.value.span.start.line}:${f.value.span.start.column}): ${shown} vs reference ${JSON.stringify(ref)}`);
  }
}

describe.skipIf(!HAVE_SHARED)("real Caffe prototxts (../shared corpus)", () => {
  const manifest: ManifestEntry[] = HAVE_SHARED ? JSON.parse(fs.readFileSync(path.join(CORPUS, "manifest.json"), "utf8")) : [];

  it("has the corpus it expects", () => {
    expect(manifest.length).toBeGreaterThan(200);
  });

  it("parses every file (the reference rejects only for schema reasons) with consistent positions", () => {
    const failures: string[] = [];
    for (const entry of manifest) {
      const source = fs.readFileSync(path.join(CORPUS, entry.file), "utf8");
      try {
        const doc = parseTextFormat(source);
        const problems = positionProblems(source, doc);
        if (problems.length > 0) failures.push(`${entry.file}: ${problems[0]}`);
      } catch (e) {
        failures.push(`${entry.file}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  }, SLOW_TEST_TIMEOUT_MS);

  it("the reference's rejections are all about the schema, not the syntax", () => {
    const reasons = manifest
      .filter((e) => e.reference_parser === "rejects")
      .map((e) => JSON.parse(fs.readFileSync(path.join(CORPUS, "expected", path.basename(e.file) + ".json"), "utf8")).error as string);
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons) expect(r).toMatch(/has no field named|Couldn't parse integer: \[/);
  });

  it("builds the same fields, counts and leaf values as Google's parser for every accepted file", () => {
    const accepted = manifest.filter((e) => e.reference_parser === "accepts");
    expect(accepted.length).toBeGreaterThan(100);
    const differences: string[] = [];
    for (const entry of accepted) {
      const source = fs.readFileSync(path.join(CORPUS, entry.file), "utf8");
      const ref = JSON.parse(fs.readFileSync(path.join(CORPUS, "expected", path.basename(entry.file) + ".json"), "utf8"));
      const out: string[] = [];
      compareMessage(parseTextFormat(source).fields, ref, path.basename(entry.file), out);
      differences.push(...out.slice(0, 3));
    }
    expect(differences).toEqual([]);
  }, SLOW_TEST_TIMEOUT_MS);
});
