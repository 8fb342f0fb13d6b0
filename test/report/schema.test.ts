/**
 * The json reporter's output against schema/report.schema.json, and the sarif
 * reporter's output against the SARIF 2.1.0 JSON schema.
 *
 * The SARIF schema is not in this repository: it is read from the devDependency
 * @microsoft/jest-sarif (MIT), which ships it as lib/schemas/sarif-2.1.0-rtm.5.json,
 * or from the file named by BNLINT_SARIF_SCHEMA. Without either, the SARIF
 * schema check is skipped with a warning saying so.
 */

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type AnySchemaObject } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { json, sarif } from "../../src/report/index.js";
import { CWD, emptyReport, mainReport, sectionsReport } from "./fixtures.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const PLAIN = { color: false, cwd: CWD };
const FIXTURES = { main: mainReport, empty: emptyReport, sections: sectionsReport };

function readJson(file: string): AnySchemaObject {
  return JSON.parse(fs.readFileSync(file, "utf8")) as AnySchemaObject;
}

describe("json output against schema/report.schema.json", () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(readJson(path.join(REPO, "schema/report.schema.json")));

  it.each(Object.entries(FIXTURES))("%s is valid", (_name, make) => {
    const ok = validate(JSON.parse(json(make(), PLAIN)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each([
    ["an unknown severity", (r: any) => (r.results[0].findings[0].severity = "fatal"), "/results/0/findings/0/severity"],
    ["a finding without fix", (r: any) => delete r.results[0].findings[0].fix, "/results/0/findings/0"],
    ["an unknown probe verdict", (r: any) => (r.probe = { verdict: "fine", losses: [] }), "/probe/verdict"],
    ["a string in a loss series", (r: any) => (r.probe = { verdict: "ok", losses: ["1"] }), "/probe/losses/0"],
    ["an unknown top-level key", (r: any) => (r.extra = 1), ""],
  ])("rejects %s", (_name, spoil, where) => {
    const report = JSON.parse(json(mainReport(), PLAIN));
    spoil(report);
    expect(validate(report)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === where)).toBe(true);
  });
});

const SARIF_SCHEMA_CANDIDATES = [
  process.env.BNLINT_SARIF_SCHEMA,
  path.join(REPO, "node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"),
].filter((p): p is string => p !== undefined && p !== "");
const SARIF_SCHEMA = SARIF_SCHEMA_CANDIDATES.find((p) => fs.existsSync(p));
if (SARIF_SCHEMA === undefined) {
  console.warn("SARIF 2.1.0 schema absent (install @microsoft/jest-sarif or set BNLINT_SARIF_SCHEMA): SARIF schema check skipped");
}

/**
 * The SARIF schema is written in JSON Schema draft-04; ajv 8 speaks draft-07.
 * The keywords it uses mean the same in both except the root's `id`, which
 * draft-07 spells `$id`; its three string formats are checked loosely here.
 * One of its patterns is not valid with the regex `u` flag ajv uses by default.
 */
function sarifValidator(file: string) {
  const schema = readJson(file);
  const { $schema: _draft, id, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat("uri", /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  ajv.addFormat("uri-reference", /^[^\s]*$/);
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  return ajv.compile({ ...rest, $id: id });
}

const SARIF_SUITE = `sarif output against the SARIF 2.1.0 schema${SARIF_SCHEMA === undefined ? " (schema absent: @microsoft/jest-sarif not installed)" : ""}`;

describe.skipIf(SARIF_SCHEMA === undefined)(SARIF_SUITE, () => {
  // Built in beforeAll: a skipped describe still runs its body, but not its hooks.
  let validate: ReturnType<typeof sarifValidator>;
  beforeAll(() => {
    validate = sarifValidator(SARIF_SCHEMA as string);
  });

  it.each(Object.entries(FIXTURES))("%s is valid", (_name, make) => {
    const ok = validate(JSON.parse(sarif(make(), PLAIN)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the schema check can fail: a level SARIF does not know is rejected", () => {
    const log = JSON.parse(sarif(mainReport(), PLAIN));
    log.runs[0].results[0].level = "info";
    expect(validate(log)).toBe(false);
  });
});
