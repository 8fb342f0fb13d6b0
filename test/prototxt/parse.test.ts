import { describe, expect, it } from "vitest";
import { TextFormatError } from "../../src/prototxt/ast.js";
import type { MessageValue, StringValue } from "../../src/prototxt/ast.js";
import { parseTextFormat, stringValue } from "../../src/prototxt/index.js";
import { positionProblems, summarizeDoc } from "./helpers.js";

/** Inputs Google's text-format parser accepts, with the tree we must build. */
const ACCEPTED: Array<[string, string, unknown]> = [
  ["empty", "", []],
  ["only comments and blanks", "# a\n\n  # b\r\n", []],
  ["scalar with colon", "a: 1", [["a", { n: "1", int: true }]]],
  ["message forms", "a { } b: { } c < > d: < >", [["a", []], ["b", []], ["c", []], ["d", []]]],
  ["separators", "a: 1, b: 2; c { };d: x,", [["a", { n: "1", int: true }], ["b", { n: "2", int: true }], ["c", []], ["d", { id: "x" }]]],
  ["no space needed", "a:1 b:\"x\"c{d:2}", [["a", { n: "1", int: true }], ["b", { s: "x" }], ["c", [["d", { n: "2", int: true }]]]]],
  ["nested", "layer { name: \"c\" param { lr_mult: 1 } }", [["layer", [["name", { s: "c" }], ["param", [["lr_mult", { n: "1", int: true }]]]]]]],
  ["scalar list", "a: [1, -2, x]", [["a", { n: "1", int: true }], ["a", { n: "-2", int: true }], ["a", { id: "x" }]]],
  ["message list with colon", "a: [{b: 1}, <b: 2>]", [["a", [["b", { n: "1", int: true }]]], ["a", [["b", { n: "2", int: true }]]]]],
  ["message list without colon", "a [ {}, {} ] b: 3", [["a", []], ["a", []], ["b", { n: "3", int: true }]]],
  ["empty lists", "a: [] b [ ] c: 1", [["c", { n: "1", int: true }]]],
  ["list then separator", "a: [1]; b: [2],", [["a", { n: "1", int: true }], ["b", { n: "2", int: true }]]],
  ["hex octal decimal", "a: 0x1F b: 0X1f c: 017 d: 0 e: 10", [
    ["a", { n: "0x1F", int: true }], ["b", { n: "0X1f", int: true }], ["c", { n: "017", int: true }],
    ["d", { n: "0", int: true }], ["e", { n: "10", int: true }]]],
  ["floats", "a: 1e-5 b: .5 c: 5. d: 1.0f e: 1.0F f: 1E+3 g: 0.5 h: 1f i: -.25e2", [
    ["a", { n: "1e-5", int: false }], ["b", { n: ".5", int: false }], ["c", { n: "5.", int: false }],
    ["d", { n: "1.0f", int: false }], ["e", { n: "1.0F", int: false }], ["f", { n: "1E+3", int: false }],
    ["g", { n: "0.5", int: false }], ["h", { n: "1f", int: false }], ["i", { n: "-.25e2", int: false }]]],
  ["negative with space and comment", "a: - 5 b: -  # c\n 2.5", [["a", { n: "-5", int: true }], ["b", { n: "-2.5", int: false }]]],
  ["inf and nan", "a: inf b: -inf c: Infinity d: -NaN e: nan f: -INF", [
    ["a", { id: "inf" }], ["b", { id: "-inf" }], ["c", { id: "Infinity" }], ["d", { id: "-NaN" }], ["e", { id: "nan" }], ["f", { id: "-INF" }]]],
  ["booleans and enums", "a: true b: f c: False d: MAX e: 1", [
    ["a", { id: "true" }], ["b", { id: "f" }], ["c", { id: "False" }], ["d", { id: "MAX" }], ["e", { n: "1", int: true }]]],
  ["extension name", "[foo.bar] { x: 1 } [ a . b ]: 2", [["[foo.bar]", [["x", { n: "1", int: true }]]], ["[a.b]", { n: "2", int: true }]]],
  ["string concatenation", "a: \"x\" 'y'\n # c\n \"z\"", [["a", { s: "xyz" }]]],
  ["single quotes hold double", "a: 'say \"hi\"'", [["a", { s: "say \"hi\"" }]]],
  ["utf-8 in string", "a: \"é😀\"", [["a", { s: "é😀" }]]],
  ["windows line ends", "a: 1\r\nb {\r\n c: 2\r\n}\r\n", [["a", { n: "1", int: true }], ["b", [["c", { n: "2", int: true }]]]]],
  ["hash inside a string is not a comment", "a: \"x#y\" # z", [["a", { s: "x#y" }]]],
  ["comments inside lists and messages", "a: [ # one\n 1, # two\n 2 ] b { # open\n }", [
    ["a", { n: "1", int: true }], ["a", { n: "2", int: true }], ["b", []]]],
  ["sign before spaced inf and a spaced fraction", "a: - inf b: - .5 c: -0x1F d: -017", [
    ["a", { id: "-inf" }], ["b", { n: "-.5", int: false }], ["c", { n: "-0x1F", int: true }], ["d", { n: "-017", int: true }]]],
  ["message after an empty list", "a: [] a { b: 1 }", [["a", [["b", { n: "1", int: true }]]]]],
  ["vertical tab and form feed are blank", "a:\v1\fb: 2", [["a", { n: "1", int: true }], ["b", { n: "2", int: true }]]],
];

/** Escapes and the bytes they must produce. */
const ESCAPES: Array<[string, number[]]> = [
  ["\\n\\t\\r\\a\\b\\f\\v", [10, 9, 13, 7, 8, 12, 11]],
  ["\\\\\\'\\\"\\?", [92, 39, 34, 63]],
  ["\\0\\12\\101\\1011", [0, 10, 65, 65, 49]],
  ["\\777", [0xff]],
  ["\\x41\\x4\\x4g\\xfF", [0x41, 4, 4, 103, 0xff]],
  ["\\u00e9", [0xc3, 0xa9]],
  ["\\u20AC", [0xe2, 0x82, 0xac]],
  ["\\ud83d\\ude00", [0xf0, 0x9f, 0x98, 0x80]],
  ["\\U0001F600", [0xf0, 0x9f, 0x98, 0x80]],
  ["\\U0010FFFF", [0xf4, 0x8f, 0xbf, 0xbf]],
  ["\\ud800", [0xed, 0xa0, 0x80]],
];

/** Inputs Google's parser rejects as syntax, with the exact error position. */
const REJECTED: Array<[string, string, number, number, RegExp]> = [
  ["unclosed message", "layer {\n  name: \"a\"\n", 3, 1, /expected '}' to close 'layer' opened at 1:1/],
  ["unclosed nested message", "a {\n  b <\n  }\n", 3, 3, /expected '>' to close 'b' opened at 2:3, found '}'/],
  ["mismatched closer", "a { x: 1 >", 1, 10, /expected '}' to close 'a' opened at 1:1/],
  ["stray closer", "a: 1 }", 1, 6, /unexpected '}'/],
  ["unterminated string", "a: \"abc\nb: 1", 1, 4, /unterminated string/],
  ["unterminated at end", "a: 'abc", 1, 4, /unterminated string/],
  ["invalid escape", "a: \"x\\qy\"", 1, 6, /invalid escape '\\q'/],
  ["short \\u", "a: \"\\u12\"", 1, 5, /\\u escape needs 4 hex digits/],
  ["big \\U", "a: \"\\U00110000\"", 1, 5, /beyond U\+10FFFF/],
  ["\\x without digits", "a: \"\\xg\"", 1, 5, /\\x escape needs hex digits/],
  ["scalar without colon", "a 1", 1, 3, /expected ':' or '\{' after field name 'a'/],
  ["scalar list without colon", "a [1]", 1, 4, /scalar lists need ':'/],
  ["missing value", "a: }", 1, 4, /expected a value for 'a', found '\}'/],
  ["value at end", "a:", 1, 3, /expected a value for 'a', found end of input/],
  ["bad octal", "a: 09", 1, 4, /must be octal/],
  ["two dots", "a: 1.2.3", 1, 7, /right after number '1.2'/],
  ["letter after number", "a: 5abc", 1, 5, /unexpected 'a' right after number '5'/],
  ["bare 0x", "a: 0x", 1, 4, /'0x' must be followed by hex digits/],
  ["empty exponent", "a: 1e+", 1, 4, /exponent of '1e\+' has no digits/],
  ["plus sign", "a: +5", 1, 4, /expected a value for 'a', found '\+'/],
  ["minus before identifier", "a: -FOO", 1, 5, /expected a number after '-', found 'FOO'/],
  ["minus alone", "a: - }", 1, 6, /expected a number after '-'/],
  ["trailing comma in list", "a: [1, ]", 1, 8, /expected a value for 'a', found ']'/],
  ["missing comma in list", "a: [1 2]", 1, 7, /expected ',' or ']' in the list of 'a' opened at 1:4/],
  ["unclosed list", "a: [1,\n2", 2, 2, /expected ',' or ']' in the list of 'a' opened at 1:4, found end of input/],
  ["double separator", "a: 1,, b: 2", 1, 6, /expected a field name, found ','/],
  ["numeric field name", "1: 2", 1, 1, /expected a field name, found '1'/],
  ["dash in name", "foo-bar: 1", 1, 4, /expected ':' or '\{' after field name 'foo'/],
  ["non-ascii outside strings", "a: 1\nb\u00a0: 2", 2, 2, /U\+00A0/],
  ["control character", "a: 1 \u0001", 1, 6, /control character U\+0001/],
  ["column counts code points", "a: \"😀😀\" }", 1, 9, /unexpected '}'/],
  ["tab counts one column", "\ta: 1\t}", 1, 7, /unexpected '}'/],
  ["bad extension name", "[a.]: 1", 1, 4, /expected an identifier in extension name/],
  ["f suffix followed by a letter", "a: 1.0fx", 1, 8, /unexpected 'x' right after number '1.0f'/],
  ["octal with a fraction", "a: 01.5", 1, 6, /unexpected '.' right after number '01'/],
  ["byte order mark", "\ufeffa: 1", 1, 1, /U\+FEFF/],
  ["NUL in a string", "a: \"x\u0000\"", 1, 6, /NUL character in string/],
  ["lone carriage return is not a line break", "a: 1\rb: }", 1, 9, /expected a value for 'b'/],
];

function errorOf(source: string, maxDepth?: number): TextFormatError {
  try {
    parseTextFormat(source, { maxDepth });
  } catch (e) {
    if (e instanceof TextFormatError) return e;
    throw e;
  }
  throw new Error(`expected a TextFormatError for ${JSON.stringify(source)}`);
}

describe("parseTextFormat accepts what Google's parser accepts", () => {
  it.each(ACCEPTED)("%s", (_label, source, expected) => {
    const doc = parseTextFormat(source);
    expect(summarizeDoc(doc)).toEqual(expected);
    expect(positionProblems(source, doc)).toEqual([]);
  });

  it.each(ESCAPES)("escape %s", (escaped, bytes) => {
    const doc = parseTextFormat(`s: "${escaped}"`);
    expect(Array.from((doc.fields[0].value as StringValue).bytes)).toEqual(bytes);
  });
});

describe("parseTextFormat rejects syntax errors at the right place", () => {
  it.each(REJECTED)("%s", (_label, source, line, column, message) => {
    const err = errorOf(source);
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${line}:${column}: `)).toBe(true);
  });
});

describe("positions", () => {
  it("gives exact spans for names, values and list elements", () => {
    const source = "net: 'x'\nlayer {\n  top: [\"a\",\n    \"b\"]  # tops\n}\n";
    const doc = parseTextFormat(source);
    const net = doc.fields[0];
    expect(net.nameSpan).toEqual({ start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 4, offset: 3 } });
    expect(net.value.span).toEqual({ start: { line: 1, column: 6, offset: 5 }, end: { line: 1, column: 9, offset: 8 } });
    const layer = doc.fields[1];
    expect(layer.span.start).toEqual({ line: 2, column: 1, offset: 9 });
    expect(layer.span.end).toEqual({ line: 5, column: 2, offset: 48 });
    const tops = (layer.value as MessageValue).fields;
    expect(tops.map((f) => [f.inList, f.hasColon, f.nameSpan.start.line, f.nameSpan.start.column])).toEqual([
      [true, true, 3, 3],
      [true, true, 3, 3],
    ]);
    expect(tops[1].span.start).toEqual({ line: 4, column: 5, offset: 34 });
    expect(tops[1].span.end).toEqual({ line: 4, column: 8, offset: 37 });
    expect(doc.comments).toEqual([{ text: " tops", span: { start: { line: 4, column: 11, offset: 40 }, end: { line: 4, column: 17, offset: 46 } } }]);
  });

  it("keeps comments with their text for directives, without the line break", () => {
    const doc = parseTextFormat("# bnlint-disable rule-a\r\na: 1 # x\n#\n");
    expect(doc.comments.map((c) => [c.text, c.span.start.line, c.span.start.column, c.span.end.column])).toEqual([
      [" bnlint-disable rule-a", 1, 1, 24],
      [" x", 2, 6, 9],
      ["", 3, 1, 2],
    ]);
  });

  it("records empty lists, which set nothing", () => {
    const doc = parseTextFormat("a {\n  b: []\n}\nc [ ]");
    expect(doc.emptyLists?.map((e) => [e.name, e.hasColon, e.span.start.line, e.span.start.column, e.span.end.column])).toEqual([
      ["b", true, 2, 3, 8],
      ["c", false, 4, 1, 6],
    ]);
  });

  it("marks colon use and list membership", () => {
    const doc = parseTextFormat("a { } b: { } c: [ { } ] d [ { } ] e: 1");
    expect(doc.fields.map((f) => [f.name, f.hasColon, f.inList])).toEqual([
      ["a", false, false],
      ["b", true, false],
      ["c", true, true],
      ["d", false, true],
      ["e", true, false],
    ]);
  });

  it("spans a sign separated from its number from the '-'", () => {
    const doc = parseTextFormat("a: -\n  7");
    expect(doc.fields[0].value.span).toEqual({ start: { line: 1, column: 4, offset: 3 }, end: { line: 2, column: 4, offset: 8 } });
  });
});

describe("nesting depth", () => {
  const nested = (depth: number): string => "a {".repeat(depth) + "}".repeat(depth);

  it("accepts exactly maxDepth nested messages (default 100, like Google)", () => {
    expect(() => parseTextFormat(nested(100))).not.toThrow();
    const err = errorOf(nested(101));
    expect([err.line, err.column]).toEqual([1, 303]);
    expect(err.message).toMatch(/deeper than 100/);
    expect(() => parseTextFormat(nested(3), { maxDepth: 3 })).not.toThrow();
    expect(errorOf(nested(4), 3).column).toBe(12);
  });

  it("counts messages inside lists", () => {
    expect(errorOf("a: [ { b { } } ]", 1).message).toMatch(/deeper than 1 /);
  });

  it("never overflows the stack on absurd nesting", () => {
    const deep = "a {".repeat(50_000);
    expect(errorOf(deep, 1_000_000).message).toMatch(/expected '}' to close 'a'/);
    expect(errorOf("a: [{".repeat(50_000), 1_000_000).message).toMatch(/expected '}' to close 'a'/);
    expect(errorOf("a: [{".repeat(1000)).message).toMatch(/deeper than 100/);
  }, 120_000);
});

describe("error messages", () => {
  it("quote at most a short piece of a huge token", () => {
    const err = errorOf(`${"n".repeat(100_000)} 5`);
    expect([err.line, err.column]).toEqual([1, 100_002]);
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).toContain(`'${"n".repeat(40)}...'`);
  });
});

describe("stringValue", () => {
  it("decodes the bytes as UTF-8", () => {
    const doc = parseTextFormat("a: \"caf\\303\\251 \\u00e9\"");
    expect(stringValue(doc.fields[0].value as StringValue)).toBe("café é");
  });
});
