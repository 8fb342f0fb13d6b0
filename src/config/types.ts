/** The resolved configuration, as the rest of bnlint uses it. */

import type { Severity } from "../findings.js";

/** A rule's level in a configuration: a severity, or "off" to drop its findings. */
export type RuleLevel = Severity | "off";

export interface RuleSetting {
  level: RuleLevel;
  /** The options object of a `[severity, options]` entry; {} otherwise. */
  options: Record<string, unknown>;
}

/** Probe settings given in the file; unset fields keep the probe's own defaults. */
export interface ProbeSettings {
  enabled?: boolean;
  iters?: number;
  batch?: number;
  seed?: number;
  budgetSeconds?: number;
}

export interface ResolvedConfig {
  /** Absolute path of the file the configuration came from; undefined when none was found. */
  file?: string;
  rules: Record<string, RuleSetting>;
  /** Absolute path of a fork's caffe.proto. */
  proto?: string;
  /** Absolute path of the dataset root. */
  root?: string;
  probe: ProbeSettings;
  /** Input shapes for the probe where the datasets are absent, by top blob or layer name (`datasets`). */
  inputShapes?: Record<string, number[]>;
  maxWarnings?: number;
}

/** Name of the configuration file looked for in each directory. */
export const CONFIG_FILE_NAME = ".bnlintrc.json";

/** The configuration in force when no file is found. */
export function emptyConfig(): ResolvedConfig {
  return { rules: {}, probe: {} };
}
