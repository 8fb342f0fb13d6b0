/**
 * Property test: random trees printed with random (valid) layout choices must
 * parse back to the same tree. The expected tree comes from the generator, not
 * from the parser.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/engine/rng.js";
import { parseTextFormat } from "../../src/prototxt/index.js";
import { positionProblems, summarizeDoc } from "./helpers.js";

const DOCUMENTS = 400;
const MAX_DEPTH = 4;

/** The engine's seeded generator, so a failure can be replayed. */
const prng = seededRandom;

type Leaf = { s: string } | { n: string; int: boolean } | { id: string };
type Node = [string, Leaf | Node[]];

const NAMES = ["layer", "name", "top", "param", "lr_mult", "dim", "x_1", "_y"];
const NUMBERS: Array<[string, boolean]> = [
  ["0", true], ["7", true], ["123", true], ["0x1F", true], ["017", true], ["1.5", false], [".5", false],
  ["5.", false], ["1e-5", false], ["2E+3", false], ["1.0f", false], ["3F", false],
];
const IDENTIFIERS = ["true", "f", "MAX", "inf", "NaN", "Infinity", "TRAIN"];
const TEXT_CHARS = ["a", "Z", " ", "#", "'", "\"", "\\", "\n", "\t", "é", "€", "😀", "\u0001"];

describe("print-then-parse round trip", () => {
  it("recovers randomly generated trees from randomly formatted text", () => {
    const rand = prng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const blank = (): string => pick([" ", "  ", "\n", "\t", "\r\n", " # note {}\n", "\n# x: 'y\n  "]);

    function genLeaf(): Leaf {
      const r = rand();
      if (r < 0.35) {
        const [text, int] = pick(NUMBERS);
        return rand() < 0.3 ? { n: "-" + text, int } : { n: text, int };
      }
      if (r < 0.6) {
        const id = pick(IDENTIFIERS);
        return rand() < 0.2 && ["inf", "NaN", "Infinity"].includes(id) ? { id: "-" + id } : { id };
      }
      let s = "";
      const len = Math.floor(rand() * 6);
      for (let k = 0; k < len; k++) s += pick(TEXT_CHARS);
      return { s };
    }

    function genFields(depth: number): Node[] {
      const out: Node[] = [];
      const count = Math.floor(rand() * (depth === 0 ? 6 : 4));
      for (let k = 0; k < count; k++) {
        const name = pick(NAMES);
        const value = depth < MAX_DEPTH && rand() < 0.35 ? genFields(depth + 1) : genLeaf();
        const repeat = rand() < 0.2 ? 1 + Math.floor(rand() * 3) : 1;
        for (let j = 0; j < repeat; j++) out.push([name, j === 0 ? value : Array.isArray(value) ? genFields(MAX_DEPTH) : genLeaf()]);
      }
      return out;
    }

    /** Prints a string with random escapes, split into adjacent literals with random quotes. */
    function printString(s: string): string {
      let quote = pick(["\"", "'"]);
      let out = quote;
      for (const ch of s) {
        const cp = ch.codePointAt(0)!;
        const r = rand();
        if (rand() < 0.15) {
          const next = pick(["\"", "'"]);
          out += quote + blank() + next;
          quote = next;
        }
        if (ch === quote || ch === "\\" || ch === "\n" || cp < 32) {
          out += r < 0.5 ? `\\${cp.toString(8).padStart(3, "0")}` : ch === "\n" ? "\\n" : ch === "\\" ? "\\\\" : `\\x${cp.toString(16).padStart(2, "0")}`;
        } else if (cp > 0xffff) {
          out += r < 0.5 ? ch : `\\U${cp.toString(16).padStart(8, "0")}`;
        } else if (cp > 127) {
          out += r < 0.5 ? ch : `\\u${cp.toString(16).padStart(4, "0")}`;
        } else {
          out += r < 0.2 ? `\\x${cp.toString(16)}` : ch;
        }
      }
      return out + quote;
    }

    function printLeaf(v: Leaf): string {
      if ("s" in v) return printString(v.s);
      const text = "n" in v ? v.n : v.id;
      return text.startsWith("-") && rand() < 0.5 ? "-" + blank() + text.slice(1) : text;
    }

    function printValue(value: Leaf | Node[]): string {
      if (!Array.isArray(value)) return printLeaf(value);
      const [open, close] = rand() < 0.7 ? ["{", "}"] : ["<", ">"];
      return open + blank() + printFields(value) + blank() + close;
    }

    function printFields(nodes: Node[]): string {
      const parts: string[] = [];
      for (let k = 0; k < nodes.length; ) {
        const [name, value] = nodes[k];
        let run = 1;
        while (k + run < nodes.length && nodes[k + run][0] === name && Array.isArray(nodes[k + run][1]) === Array.isArray(value)) run++;
        const separator = pick(["", ",", ";"]);
        if (run > 1 && rand() < 0.6) {
          const colon = !Array.isArray(value) || rand() < 0.5 ? ":" : "";
          const items = nodes.slice(k, k + run).map(([, v]) => printValue(v));
          parts.push(`${name}${blank()}${colon}${blank()}[${blank()}${items.join(`${blank()},${blank()}`)}${blank()}]${separator}`);
          k += run;
        } else {
          const colon = Array.isArray(value) ? pick(["", ":"]) : ":";
          parts.push(`${name}${rand() < 0.5 ? "" : blank()}${colon}${blank()}${printValue(value)}${separator}`);
          k += 1;
        }
      }
      return parts.join(blank());
    }

    const failures: string[] = [];
    for (let d = 0; d < DOCUMENTS; d++) {
      const tree = genFields(0);
      const text = blank() + printFields(tree) + blank();
      try {
        const doc = parseTextFormat(text);
        const got = JSON.stringify(summarizeDoc(doc));
        if (got !== JSON.stringify(tree)) failures.push(`${JSON.stringify(text)}\n got ${got}\nwant ${JSON.stringify(tree)}`);
        const problems = positionProblems(text, doc);
        if (problems.length > 0) failures.push(`${JSON.stringify(text)}: ${problems[0]}`);
      } catch (e) {
        failures.push(`${JSON.stringify(text)}: ${(e as Error).message}`);
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
