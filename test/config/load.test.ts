import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, findConfigFile, loadConfig, parseConfig } from "../../src/config/index.js";

const KNOWN = ["bn-global-stats-phase", "base-lr-too-high", "step-without-stepsize"];
const SEVERITIES = '"off","info","warning","error"';

let tmp: string;

function write(rel: string, content: unknown): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-config-")));
  write("a/.bnlintrc.json", { rules: { "base-lr-too-high": "warning" }, proto: "../forks/caffe.proto", root: "data" });
  write("a/b/c/net.prototxt", "");
  write("a/b/d/.bnlintrc.json", { rules: { "bn-global-stats-phase": ["error", { phases: ["TRAIN"] }] }, maxWarnings: 0 });
  write("a/b/d/e/net.prototxt", "");
  fs.mkdirSync(path.join(tmp, "lonely"), { recursive: true });
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("finding the configuration file", () => {
  it("walks up from the start directory to the nearest file", () => {
    expect(findConfigFile(path.join(tmp, "a/b/c"))).toBe(path.join(tmp, "a/.bnlintrc.json"));
    expect(findConfigFile(path.join(tmp, "a/b/d/e"))).toBe(path.join(tmp, "a/b/d/.bnlintrc.json"));
  });

  it("takes the nearest file only, without merging its parents'", () => {
    const config = loadConfig(path.join(tmp, "a/b/d/e"), undefined, KNOWN);
    expect(config.file).toBe(path.join(tmp, "a/b/d/.bnlintrc.json"));
    expect(Object.keys(config.rules)).toEqual(["bn-global-stats-phase"]);
    expect(config.proto).toBeUndefined();
  });

  it("accepts the linted file itself as the start", () => {
    expect(loadConfig(path.join(tmp, "a/b/c/net.prototxt"), undefined, KNOWN).file).toBe(path.join(tmp, "a/.bnlintrc.json"));
  });

  it("gives the empty configuration when there is none up to the root", () => {
    const config = loadConfig(path.join(tmp, "lonely"), undefined, KNOWN);
    // A file above the temporary directory is none of ours; none inside it may be picked.
    expect(config.file === undefined || !config.file.startsWith(tmp)).toBe(true);
    if (config.file === undefined) expect(config).toEqual({ rules: {}, probe: {} });
  });

  it("uses an explicit path instead of looking", () => {
    const config = loadConfig(path.join(tmp, "a/b/c"), path.join(tmp, "a/b/d/.bnlintrc.json"), KNOWN);
    expect(config.file).toBe(path.join(tmp, "a/b/d/.bnlintrc.json"));
  });

  it("fails clearly when the explicit path does not exist", () => {
    const missing = path.join(tmp, "nope.json");
    expect(() => loadConfig(tmp, missing, KNOWN)).toThrow(new ConfigError(missing, [`${missing}: configuration file not found`]));
  });
});

describe("resolving a valid configuration", () => {
  it("normalises rule entries and resolves paths against the file's directory", () => {
    const config = loadConfig(path.join(tmp, "a/b/c"), undefined, KNOWN);
    expect(config).toEqual({
      file: path.join(tmp, "a/.bnlintrc.json"),
      rules: { "base-lr-too-high": { level: "warning", options: {} } },
      proto: path.join(tmp, "forks/caffe.proto"),
      root: path.join(tmp, "a/data"),
      probe: {},
    });
  });

  it("keeps rule options and every documented key", () => {
    const file = path.join(tmp, "full/.bnlintrc.json");
    const text = JSON.stringify({
      $schema: "../schema/config.schema.json",
      rules: { "bn-global-stats-phase": ["error", { phases: ["TRAIN"] }], "step-without-stepsize": ["off"], "unknown-disable-directive": "error" },
      probe: { enabled: false, iters: 50, batch: 8, seed: 1, budgetSeconds: 2.5 },
      maxWarnings: 10,
    });
    expect(parseConfig(text, file, KNOWN)).toEqual({
      file,
      rules: {
        "bn-global-stats-phase": { level: "error", options: { phases: ["TRAIN"] } },
        "step-without-stepsize": { level: "off", options: {} },
        "unknown-disable-directive": { level: "error", options: {} },
      },
      probe: { enabled: false, iters: 50, batch: 8, seed: 1, budgetSeconds: 2.5 },
      maxWarnings: 10,
    });
  });
});

describe("rejecting an invalid configuration, naming file and key", () => {
  const file = path.join(os.tmpdir(), "x", ".bnlintrc.json");
  it.each<[string, unknown, string[]]>([
    ["a misspelt severity", { rules: { "bn-global-stats-phase": "warn" } }, [`rules.bn-global-stats-phase: must be one of ${SEVERITIES}`]],
    ["a number as severity", { rules: { "bn-global-stats-phase": 2 } }, [`rules.bn-global-stats-phase: must be one of ${SEVERITIES}`]],
    ["a bad severity in an array", { rules: { "bn-global-stats-phase": ["fatal", {}] } }, [`rules.bn-global-stats-phase[0]: must be one of ${SEVERITIES}`]],
    ["options that are not an object", { rules: { "bn-global-stats-phase": ["error", 3] } }, ["rules.bn-global-stats-phase[1]: must be object"]],
    ["too long an entry", { rules: { "bn-global-stats-phase": ["error", {}, {}] } }, ["rules.bn-global-stats-phase: must NOT have more than 2 items"]],
    ["an unknown rule", { rules: { "bn-global-stat-phase": "error" } }, ['rules.bn-global-stat-phase: unknown rule (did you mean "bn-global-stats-phase"?)']],
    ["configuring parse errors", { rules: { "parse-error": "off" } }, ["rules.parse-error: parse errors cannot be turned off or re-levelled"]],
    ["an unknown rule far from any", { rules: { "loss-is-nan": "error" } }, ["rules.loss-is-nan: unknown rule"]],
    ["a malformed rule id", { rules: { Bad_Id: "off" } }, ['rules.Bad_Id: not a rule id (lower-case words joined by "-")']],
    ["an unknown top-level key", { rule: {} }, ['rule: unknown key (did you mean "rules"?)']],
    ["an unknown probe key", { probe: { iter: 10 } }, ['probe.iter: unknown key (did you mean "iters"?)']],
    ["zero probe iterations", { probe: { iters: 0 } }, ["probe.iters: must be >= 1"]],
    ["a fractional batch", { probe: { batch: 2.5 } }, ["probe.batch: must be integer"]],
    ["a zero time budget", { probe: { budgetSeconds: 0 } }, ["probe.budgetSeconds: must be > 0"]],
    ["negative maxWarnings", { maxWarnings: -1 }, ["maxWarnings: must be >= 0"]],
    ["a non-string proto", { proto: 3 }, ["proto: must be string"]],
    ["an array at the top", [], ["(top level): must be object"]],
    [
      "several problems at once",
      { rules: { "bn-global-stats-phase": "warn" }, maxWarnings: "3" },
      [`rules.bn-global-stats-phase: must be one of ${SEVERITIES}`, "maxWarnings: must be integer"],
    ],
  ])("%s", (_name, content, problems) => {
    let error: unknown;
    try {
      parseConfig(JSON.stringify(content), file, KNOWN);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(problems.map((p) => `${file}: ${p}`));
    expect((error as ConfigError).message).toBe(problems.map((p) => `${file}: ${p}`).join("\n"));
  });

  it("reads a file that starts with a byte-order mark", () => {
    expect(parseConfig('\uFEFF{"maxWarnings": 3}', file, KNOWN).maxWarnings).toBe(3);
  });

  it("gives line and column of a JSON syntax error", () => {
    const text = '{\n  "rules": {,}\n}';
    expect(() => parseConfig(text, file, KNOWN)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:13: not valid JSON: `));
  });

  it("shows the path relative to the working directory when inside it", () => {
    const inside = path.join(process.cwd(), "sub", ".bnlintrc.json");
    expect(() => parseConfig('{"maxWarnings": -1}', inside, KNOWN)).toThrow(`${path.join("sub", ".bnlintrc.json")}: maxWarnings: must be >= 0`);
  });
});
