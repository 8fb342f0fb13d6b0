/** A tiny ANSI styling helper: each style wraps text in SGR codes, or returns it unchanged when colour is off. */

export type Style = (text: string) => string;

export interface Palette {
  red: Style;
  yellow: Style;
  blue: Style;
  green: Style;
  magenta: Style;
  dim: Style;
  bold: Style;
  underline: Style;
}

function sgr(open: number, close: number): Style {
  return (text) => (text === "" ? text : `\u001b[${open}m${text}\u001b[${close}m`);
}

const identity: Style = (text) => text;

const COLOURED: Palette = {
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  green: sgr(32, 39),
  magenta: sgr(35, 39),
  dim: sgr(2, 22),
  bold: sgr(1, 22),
  underline: sgr(4, 24),
};

const PLAIN: Palette = {
  red: identity,
  yellow: identity,
  blue: identity,
  green: identity,
  magenta: identity,
  dim: identity,
  bold: identity,
  underline: identity,
};

/** The styles to use: real escapes when `color` is true, identity functions otherwise. */
export function palette(color: boolean): Palette {
  return color ? COLOURED : PLAIN;
}

/** Matches every SGR escape sequence that `palette` can produce. */
const SGR_PATTERN = /\u001b\[[0-9;]*m/g;

/** The text without ANSI SGR escapes. */
export function stripAnsi(text: string): string {
  return text.replace(SGR_PATTERN, "");
}

/** Width of the text on a terminal, ignoring escapes (every code point counts as one cell). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}
