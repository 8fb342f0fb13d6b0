/** The error thrown for a configuration file that cannot be used. */

/**
 * A bad configuration: missing, unreadable, not JSON, or not matching
 * schema/config.schema.json. The message names the file and each bad key
 * (`.bnlintrc.json: rules.x: must be one of ...`), one problem per line; it
 * is meant to be printed as is, without a stack.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}
