/**
 * Finding, reading and validating `.bnlintrc.json`. The file is looked for in
 * the linted file's directory and each parent up to the filesystem root (the
 * nearest one wins; files are not merged), unless a path is given explicitly.
 * It is validated against schema/config.schema.json; rule ids must be known.
 */

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { CONFIG_RULES, PARSE_ERROR_RULE_ID } from "./builtin-rules.js";
import { ConfigError } from "./errors.js";
import { didYouMean } from "./suggest.js";
import { CONFIG_FILE_NAME, emptyConfig, type ProbeSettings, type ResolvedConfig, type RuleLevel, type RuleSetting } from "./types.js";

/** Rule ids a configuration may name besides those of the rule modules. */
const CONFIGURABLE_BUILTIN_IDS = CONFIG_RULES.map((r) => r.id);

/** Where the schema lies relative to this module: from src/config when run from source, from dist/src/config when built. */
const SCHEMA_CANDIDATES = ["../../schema/config.schema.json", "../../../schema/config.schema.json"];

let cachedValidator: ValidateFunction | undefined;

function configValidator(): ValidateFunction {
  if (cachedValidator !== undefined) return cachedValidator;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const schemaFile = SCHEMA_CANDIDATES.map((c) => path.resolve(here, c)).find((p) => fs.existsSync(p));
  if (schemaFile === undefined) throw new Error(`bnlint is incomplete: schema/config.schema.json not found near ${here}`);
  const ajv = new Ajv({ allErrors: true, verbose: true, strictTuples: false });
  cachedValidator = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")));
  return cachedValidator;
}

/** A path for messages: relative to the working directory when inside it. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** JSON pointer "/rules/a/1" as "rules.a[1]". */
function keyPath(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(key) ? `[${key}]` : out === "" ? key : `.${key}`;
  }
  return out;
}

function join(parent: string, key: string): string {
  return parent === "" ? key : `${parent}.${key}`;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(",");
}

/** One readable line per schema error, or undefined for errors that only repeat another. */
function describeSchemaError(e: ErrorObject): string | undefined {
  const at = keyPath(e.instancePath);
  switch (e.keyword) {
    case "if":
    case "propertyNames":
      return undefined;
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      return `${join(at, key)}: unknown key${didYouMean(key, known)}`;
    }
    case "enum":
      return `${at}: must be one of ${quoteList(e.params.allowedValues as unknown[])}`;
    case "pattern":
      if (e.propertyName !== undefined) return `${join(at, e.propertyName)}: not a rule id (lower-case words joined by "-")`;
      return `${at}: ${e.message ?? "is invalid"}`;
    default:
      return `${at === "" ? "(top level)" : at}: ${e.message ?? "is invalid"}`;
  }
}

/** Line and column of a 0-based offset in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /at position (\d+)/.exec(message);
    const reason = message.replace(/\s*in JSON at position \d+.*$/s, "").replace(/\s*\(line \d+ column \d+\)$/, "");
    if (position === null) throw new ConfigError(file, [`${shownPath(file)}: not valid JSON: ${reason}`]);
    const { line, column } = lineColumn(text, Number(position[1]));
    throw new ConfigError(file, [`${shownPath(file)}:${line}:${column}: not valid JSON: ${reason}`]);
  }
}

interface RawConfig {
  rules?: Record<string, RuleLevel | [RuleLevel] | [RuleLevel, Record<string, unknown>]>;
  proto?: string;
  root?: string;
  probe?: ProbeSettings;
  datasets?: Record<string, { shape: number[] }>;
  maxWarnings?: number;
}

/**
 * Validates the text of a configuration file and resolves it: rule entries
 * normalised, `proto` and `root` made absolute against the file's directory.
 * `file` should be absolute. Throws ConfigError listing every problem.
 */
export function parseConfig(text: string, file: string, knownRuleIds: Iterable<string>): ResolvedConfig {
  const data = parseJson(text.startsWith("\uFEFF") ? text.slice(1) : text, file);
  const validate = configValidator();
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map(describeSchemaError).filter((p): p is string => p !== undefined);
    const unique = [...new Set(problems)].map((p) => `${shownPath(file)}: ${p}`);
    throw new ConfigError(file, unique.length > 0 ? unique : [`${shownPath(file)}: invalid configuration`]);
  }
  const raw = data as RawConfig;
  const known = [...knownRuleIds, ...CONFIGURABLE_BUILTIN_IDS];
  const knownSet = new Set(known);
  const problems: string[] = [];
  const rules: Record<string, RuleSetting> = {};
  for (const [id, entry] of Object.entries(raw.rules ?? {})) {
    if (id === PARSE_ERROR_RULE_ID) {
      problems.push(`${shownPath(file)}: rules.${id}: parse errors cannot be turned off or re-levelled`);
      continue;
    }
    if (!knownSet.has(id)) {
      problems.push(`${shownPath(file)}: rules.${id}: unknown rule${didYouMean(id, known)}`);
      continue;
    }
    rules[id] = Array.isArray(entry) ? { level: entry[0], options: entry[1] ?? {} } : { level: entry, options: {} };
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  const dir = path.dirname(file);
  const config: ResolvedConfig = { file, rules, probe: { ...(raw.probe ?? {}) } };
  if (raw.proto !== undefined) config.proto = path.resolve(dir, raw.proto);
  if (raw.root !== undefined) config.root = path.resolve(dir, raw.root);
  if (raw.maxWarnings !== undefined) config.maxWarnings = raw.maxWarnings;
  if (raw.datasets !== undefined) config.inputShapes = Object.fromEntries(Object.entries(raw.datasets).map(([name, d]) => [name, [...d.shape]]));
  return config;
}

/** The nearest `.bnlintrc.json` in `startDir` or one of its parents, or undefined. */
export function findConfigFile(startDir: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The configuration for files in `startDir` (a directory, or a file whose
 * directory is meant): from `explicitPath` when given (relative to the working
 * directory; it must exist), else from the nearest `.bnlintrc.json` above
 * `startDir`, else the empty configuration. Throws ConfigError for a bad file.
 */
export function loadConfig(startDir: string, explicitPath: string | undefined, knownRuleIds: Iterable<string>): ResolvedConfig {
  let file: string | undefined;
  if (explicitPath !== undefined) {
    file = path.resolve(explicitPath);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      throw new ConfigError(file, [`${explicitPath}: configuration file not found`]);
    }
  } else {
    const start = fs.statSync(startDir, { throwIfNoEntry: false })?.isFile() ? path.dirname(startDir) : startDir;
    file = findConfigFile(start);
    if (file === undefined) return emptyConfig();
  }
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const reason = err instanceof Error && "code" in err ? String(err.code) : String(err);
    throw new ConfigError(file, [`${shownPath(file)}: cannot read configuration (${reason})`]);
  }
  return parseConfig(text, file, knownRuleIds);
}
