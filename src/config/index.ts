/** Configuration: `.bnlintrc.json` loading and validation, rule levels, and inline directives. */

export { CONFIG_FILE_NAME, emptyConfig, type ResolvedConfig, type RuleSetting, type RuleLevel, type ProbeSettings } from "./types.js";
export { ConfigError } from "./errors.js";
export { loadConfig, parseConfig, findConfigFile } from "./load.js";
export { applySeverities, ruleOptions } from "./severities.js";
export {
  parseDirectives,
  applyDirectives,
  directiveFindings,
  unusedDirectiveFindings,
  disablingDirective,
  isDisabled,
  type Directive,
  type DirectiveKind,
  type ParsedDirectives,
  type MalformedDirective,
} from "./directives.js";
export { CONFIG_RULES, DIRECTIVE_RULE_ID, PARSE_ERROR_RULE_ID, UNUSED_DIRECTIVE_RULE_ID } from "./builtin-rules.js";
export { didYouMean } from "./suggest.js";
