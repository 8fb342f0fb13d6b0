/** The static table of reporters, looked up by the name given to `--format`. */

import { github } from "./github.js";
import { json } from "./json.js";
import { sarif } from "./sarif.js";
import { stylish } from "./stylish.js";
import type { Formatter } from "./types.js";

export const formatters = {
  stylish,
  json,
  sarif,
  github,
} as const satisfies Record<string, Formatter>;

export type FormatterName = keyof typeof formatters;

/** The name of the reporter used when none is asked for. */
export const DEFAULT_FORMATTER: FormatterName = "stylish";

/** Names of all reporters, in table order (for help text and errors). */
export const formatterNames = Object.keys(formatters) as FormatterName[];

/** Whether `name` names a reporter. */
export function isFormatterName(name: string): name is FormatterName {
  return Object.hasOwn(formatters, name);
}
