/**
 * The lint pipeline for one input: read (load stage), parse, bind to the
 * schema, upgrade, build the per-phase model, run the rules. A solver expands
 * to itself plus the nets it names. Nothing here prints or exits.
 */
import path from "node:path";
import { rules as allRules } from "../../rules/index.js";
import type { Rule, RuleContext } from "../../rules/types.js";
import { solverWeights } from "../../rules/solver-fields.js";
import { PARSE_ERROR_RULE_ID } from "../config/builtin-rules.js";
import type { ResolvedConfig } from "../config/types.js";
import type { Finding } from "../findings.js";
import { readTextFile, resolveReference, type FileSource } from "../load/files.js";
import { buildNetModel as buildModelOnly, type ModelOptions } from "../model/build.js";
import { datasetFacts, inspectDatasets, trainingSamples, type DatasetInfo } from "./datasets.js";
import { str, strs, sub, subs } from "../model/access.js";
import type { NetModel, SolverModel } from "../model/types.js";
import { parseTextFormat, TextFormatError } from "../prototxt/index.js";
import type { Document } from "../prototxt/ast.js";
import { bindMessage, loadSchema, messageType, type Schema } from "../schema/index.js";
import { typeInfo } from "../schema/load.js";
import { spanOf as spanOfField, type PlainMessage } from "../schema/types.js";
import { upgradeNet, upgradeSolver } from "../schema/upgrade.js";
import type { SchemaDiagnostic } from "../schema/types.js";
import { runRules } from "./run-rules.js";
import { DEPRECATED_FORMAT_RULE_ID, MISSING_FILE_RULE_ID } from "./builtin-rules.js";

export interface LintOptions {
  /** Directory relative paths are resolved against first (default: process.cwd()). */
  cwd?: string;
  /** Extra directory for dataset and net references (--root). */
  root?: string;
  /** A fork's caffe.proto that replaces bnlint's. */
  proto?: string;
  /** Pretrained weights given on the command line (--weights). */
  weights?: string;
  /** Input shapes for the probe, by top blob or layer name (--input-shape, the configuration's datasets). */
  inputShapes?: Record<string, number[]>;
  /** Extra NetState stages and level (--stage, --level). */
  stages?: string[];
  level?: number;
  /** Configuration (rule levels and options). */
  config?: ResolvedConfig;
  /** Where files are read from (tests pass in-memory files). */
  files?: FileSource;
  /** The rules to run (default: all). */
  rules?: readonly Rule[];
  /** Read the datasets the data layers name (default true). */
  datasets?: boolean;
  /** Records read per dataset at most. */
  maxRecords?: number;
  /** Progress of reading large datasets (for a terminal display). */
  onDatasetProgress?: (source: string, scanned: number, total: number) => void;
}

/** What linting one input produced: findings per file, and the parsed models for later stages. */
export interface LintOutcome {
  findings: Finding[];
  /** Files that took part (the input, and for a solver the nets it names). */
  files: string[];
  net?: NetModel;
  solver?: SolverModel;
  /** Document of each file, for inline directives. */
  documents: Map<string, Document>;
  /** What was learnt about the datasets the net reads. */
  datasets: DatasetInfo[];
}

const schemaCache = new Map<string, Schema>();

/**
 * Builds the model, then reads the datasets its data layers name and, when
 * they tell record shapes, builds it again with those shapes known.
 */
function buildNetModel(net: PlainMessage, file: string, modelOptions: ModelOptions, options: LintOptions, datasets: DatasetInfo[]): NetModel {
  const model = buildModelOnly(net, file, modelOptions);
  if (options.datasets === false) return model;
  datasets.push(...inspectDatasets(model, { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.root ? { root: options.root } : {}), ...(options.maxRecords ? { maxRecords: options.maxRecords } : {}), ...(options.onDatasetProgress ? { onProgress: options.onDatasetProgress } : {}) }));
  const facts = datasetFacts(datasets);
  return facts.size > 0 ? buildModelOnly(net, file, { ...modelOptions, datasets: facts }) : model;
}

/** The schema for these options, loaded once per path. */
export function schemaFor(options: LintOptions): Schema {
  const key = options.proto ?? "";
  let schema = schemaCache.get(key);
  if (!schema) {
    schema = loadSchema(options.proto);
    schemaCache.set(key, schema);
  }
  return schema;
}

/** A finding for input that cannot be read or parsed. */
export function parseErrorFinding(file: string, message: string, line = 1, column = 1): Finding {
  return { ruleId: PARSE_ERROR_RULE_ID, severity: "error", message, file, line, column, phases: [] };
}

/** Solver by content: a file whose top-level fields are SolverParameter fields and none of NetParameter's. */
export function looksLikeSolver(doc: Document, schema: Schema): boolean {
  // typeInfo is computed once per type, so this costs a few map look-ups per top-level field.
  const netFields = typeInfo(messageType(schema, `${schema.packageName}.NetParameter`)).byName;
  const solverFields = typeInfo(messageType(schema, `${schema.packageName}.SolverParameter`)).byName;
  const names = doc.fields.map((f) => f.name);
  if (names.some((n) => netFields.has(n) && !solverFields.has(n))) return false;
  return names.some((n) => solverFields.has(n) && !netFields.has(n));
}

interface Parsed {
  doc: Document;
  message: PlainMessage;
  /** The message type the text was bound to. */
  type: "NetParameter" | "SolverParameter";
  findings: Finding[];
}

/** Parses and binds one text; syntax errors and schema errors become parse-error findings. */
function parseAndBind(text: string, file: string, schema: Schema, typeName?: Parsed["type"]): Parsed | { findings: Finding[] } {
  let doc: Document;
  try {
    doc = parseTextFormat(text);
  } catch (err) {
    if (err instanceof TextFormatError) return { findings: [parseErrorFinding(file, err.message.replace(/^\d+:\d+: /, ""), err.line, err.column)] };
    throw err;
  }
  const type: Parsed["type"] = typeName ?? (looksLikeSolver(doc, schema) ? "SolverParameter" : "NetParameter");
  const bound = bindMessage(doc, `${schema.packageName}.${type}`, schema);
  let hinted = false;
  const findings = bound.diagnostics.map((d): Finding => {
    // The first unknown field without a close match is probably a fork's field: say how to give its schema, once.
    const hint = !hinted && d.suggestion === undefined && /unknown field|no field/i.test(d.message) ? forkHint(schema) : "";
    if (hint) hinted = true;
    return {
    ruleId: PARSE_ERROR_RULE_ID,
    severity: d.severity === "error" ? "error" : "warning",
    message: d.message + hint,
    file,
    line: d.line,
    column: d.column,
    ...(d.endLine !== undefined ? { endLine: d.endLine, endColumn: d.endColumn } : {}),
    phases: [],
    };
  });
  return { doc, message: bound.message, type, findings };
}

function forkHint(schema: Schema): string {
  return schema.protoPath.endsWith(path.join("src", "schema", "caffe.proto"))
    ? " (if this file is for a Caffe fork such as SSD or SegNet, pass the fork's caffe.proto with --proto)"
    : "";
}

/** Lints one file (net or solver) given its text. */
export function lintText(text: string, file: string, options: LintOptions = {}): LintOutcome {
  const schema = schemaFor(options);
  const parsed = parseAndBind(text, file, schema);
  const documents = new Map<string, Document>();
  const datasets: DatasetInfo[] = [];
  if (!("doc" in parsed)) return { findings: parsed.findings, files: [file], documents, datasets };
  documents.set(file, parsed.doc);
  const findings = [...parsed.findings];
  const lines = text.split(/\r?\n/);

  if (parsed.type === "SolverParameter") {
    const solver: SolverModel = { file, solver: parsed.message };
    findings.push(...upgradeFindings(upgradeSolver(parsed.message).notes, file));
    const outcome: LintOutcome = { findings, files: [file], solver, documents, datasets };
    const net = loadSolverNet(solver, options, schema, outcome);
    const pretrainedFrom = options.weights ?? solverWeights(solver.solver)[0];
    const samples = trainingSamples(datasets);
    const context: RuleContext = { file: net?.file ?? file, solver, model: net?.model, options: {}, sourceLines: net?.lines, datasets, ...(samples ? { trainingSamples: samples } : {}), ...(pretrainedFrom ? { pretrainedFrom } : {}) };
    findings.push(...runConfigured(options, context, (rule) => (rule.meta.docs.exampleKind === "solver" ? lines : net?.lines)));
    if (net) outcome.net = net.model;
    return outcome;
  }

  const upgraded = upgradeNet(parsed.message);
  findings.push(...upgradeFindings(upgraded.notes, file));
  const model = buildNetModel(upgraded.net, file, { stages: options.stages, level: options.level, original: parsed.message }, options, datasets);
  const samples = trainingSamples(datasets);
  const context: RuleContext = { file, model, options: {}, sourceLines: lines, datasets, ...(samples ? { trainingSamples: samples } : {}), ...(options.weights ? { pretrainedFrom: options.weights } : {}) };
  findings.push(...runConfigured(options, context, () => lines));
  return { findings, files: [file], net: model, documents, datasets };
}

/** Runs the rules with each rule's configured options; `linesFor` gives the lines of the file a rule edits. */
function runConfigured(options: LintOptions, context: RuleContext, linesFor: (rule: Rule) => string[] | undefined): Finding[] {
  const config = options.config;
  const findings: Finding[] = [];
  for (const rule of options.rules ?? allRules) {
    const setting = config?.rules[rule.meta.id];
    const ruleContext: RuleContext = { ...context, options: setting?.options ?? {}, sourceLines: linesFor(rule) };
    findings.push(...runRules([rule], ruleContext, () => setting?.level ?? rule.meta.defaultSeverity));
  }
  return findings;
}

/** The train net a solver names: inline net_param/train_net_param, or a file (net/train_net). */
function loadSolverNet(solver: SolverModel, options: LintOptions, schema: Schema, outcome: LintOutcome): { model: NetModel; file: string; lines?: string[] } | undefined {
  const s = solver.solver;
  const inline = sub(s, "train_net_param") ?? sub(s, "net_param");
  const states = { trainState: sub(s, "train_state"), testState: subs(s, "test_state")[0], stages: options.stages, level: options.level };
  if (inline) {
    // Caffe does not upgrade nets written inside a solver (upgradeSolver warns about V1 ones).
    return { model: buildNetModel(inline, solver.file, { ...states, original: inline }, options, outcome.datasets), file: solver.file };
  }
  const field = str(s, "train_net") !== undefined ? "train_net" : str(s, "net") !== undefined ? "net" : undefined;
  if (!field) {
    if (strs(s, "test_net").length === 0) outcome.findings.push(missingNetFinding(solver));
    return undefined;
  }
  const reference = str(s, field)!;
  const resolved = resolveReference(reference, solver.file, options);
  if (!resolved.path) {
    outcome.findings.push({
      ruleId: MISSING_FILE_RULE_ID,
      severity: "error",
      message: `${field} "${reference}" was not found (looked in ${resolved.tried.join(", ")}); Caffe resolves it against the directory it is started from: use --root to name it`,
      file: solver.file,
      ...positionOf(s, field),
      phases: [],
    });
    return undefined;
  }
  const text = readTextFile(resolved.path, options.files);
  if (text === undefined) {
    outcome.findings.push(parseErrorFinding(resolved.path, "cannot read the file"));
    return undefined;
  }
  const parsed = parseAndBind(text, resolved.path, schema, "NetParameter");
  outcome.findings.push(...parsed.findings);
  outcome.files.push(resolved.path);
  if (!("doc" in parsed)) return undefined;
  outcome.documents.set(resolved.path, parsed.doc);
  const upgraded = upgradeNet(parsed.message);
  outcome.findings.push(...upgradeFindings(upgraded.notes, resolved.path));
  return { model: buildNetModel(upgraded.net, resolved.path, { ...states, original: parsed.message }, options, outcome.datasets), file: resolved.path, lines: text.split(/\r?\n/) };
}

/**
 * What upgrading said: errors are nets Caffe refuses to upgrade (parse errors);
 * warnings are deprecated forms it upgrades silently.
 */
function upgradeFindings(notes: readonly SchemaDiagnostic[], file: string): Finding[] {
  return notes.map((n) => ({
    ruleId: n.severity === "error" ? PARSE_ERROR_RULE_ID : DEPRECATED_FORMAT_RULE_ID,
    severity: n.severity === "error" ? ("error" as const) : ("info" as const),
    message: n.message,
    file,
    line: n.line,
    column: n.column,
    ...(n.endLine !== undefined ? { endLine: n.endLine, endColumn: n.endColumn } : {}),
    phases: [],
  }));
}

function missingNetFinding(solver: SolverModel): Finding {
  return { ruleId: MISSING_FILE_RULE_ID, severity: "error", message: "The solver names no net (net, train_net, net_param or train_net_param): Caffe has nothing to train", file: solver.file, line: 1, column: 1, phases: [] };
}

function positionOf(message: PlainMessage, field: string): { line: number; column: number } {
  const span = spanOfField(message, field);
  return span ? { line: span.start.line, column: span.start.column } : { line: 1, column: 1 };
}
