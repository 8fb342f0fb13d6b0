/**
 * What a rule module is: plain metadata, a Ruff-style doc page, message
 * templates, and a pure check over the model. The runner (src/lint/run-rules.ts)
 * turns reports into findings with positions; rules never format text or read files.
 */
import type { Fix, Phase, RuleMeta, Severity } from "../src/findings.js";
import type { DatasetInfo, NetModel, PhaseNet, SolverModel } from "../src/model/types.js";
import type { PlainMessage } from "../src/schema/types.js";

/** A rule's documentation page, in Ruff's order. Examples are run through the rule by the tests. */
export interface RuleDocs {
  whatItDoes: string;
  whyIsThisBad: string;
  /** A short file that this rule reports (at least once). */
  example: string;
  /** The same file, fixed: this rule reports nothing on it. */
  useInstead: string;
  /** Which kind of file the examples are. */
  exampleKind: "net" | "solver";
  options: string;
  fixSafety: string;
  /** Caffe sources (file and function) or issues the rule rests on. */
  references: string[];
}

/** What the checks can see: the net (per phase), the solver, and facts from the command line. */
export interface RuleContext {
  file: string;
  model?: NetModel;
  solver?: SolverModel;
  /** Where pretrained weights come from (solver `weights`, --weights, a snapshot); undefined when none. */
  pretrainedFrom?: string;
  /** The linted file's lines, for fixes that insert text with the file's indentation. */
  sourceLines?: string[];
  /** The datasets the data layers read, as far as the dataset stage could read them. */
  datasets?: readonly DatasetInfo[];
  /** Number of training samples, when the dataset stage has counted them. */
  trainingSamples?: number;
  /** The rule's options from the configuration. */
  options: Record<string, unknown>;
}

/** One problem, as a rule reports it: a message id and data, and where it is. */
export interface RuleReport<M extends string = string> {
  messageId: M;
  data?: Record<string, string | number>;
  /** The message (layer, transform_param, solver, ...) the finding is about. */
  node: PlainMessage;
  /** The field inside `node` to point at, and which occurrence of a repeated field. */
  field?: string;
  fieldIndex?: number;
  layer?: string;
  phases: Phase[];
  fix?: Fix;
  /** Overrides the rule's default severity for this report (e.g. info when weights are loaded). */
  severity?: Severity;
  /** File the node lives in, when not the linted file (e.g. a net linted through its solver). */
  file?: string;
}

export interface Rule<M extends string = string> {
  meta: RuleMeta & {
    messages: Record<M, string>;
    docs: RuleDocs;
  };
  check(context: RuleContext): RuleReport<M>[];
}

/** Defines a rule with its message ids checked at compile time. */
export function defineRule<M extends string>(rule: Rule<M>): Rule<M> {
  return rule;
}

/** Each phase net of the model, with its phase. */
export function phaseNets(context: RuleContext): [Phase, PhaseNet][] {
  const phases = context.model?.phases ?? {};
  return (["TRAIN", "TEST"] as const).flatMap((p) => (phases[p] ? [[p, phases[p]!] as [Phase, PhaseNet]] : []));
}
