/**
 * Robustness: random text and random mutations of real prototxts must give a
 * Document with consistent positions or a TextFormatError, nothing else.
 */
import fs from "node:fs";
import { seededRandom } from "../../src/engine/rng.js";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TextFormatError } from "../../src/prototxt/ast.js";
import { parseTextFormat } from "../../src/prototxt/index.js";
import { naivePositions, positionProblems } from "./helpers.js";

const RANDOM_INPUTS = 3000;
const MUTATIONS = 1500;
/** Generous limit: the machine running the suite may be busy. */
const SLOW_TEST_TIMEOUT_MS = 120_000;
const MAX_MUTATED_FILE_CHARS = 6000;

const SHARED = path.resolve(fileURLToPath(new URL("../..", import.meta.url)), "../shared");
const FILES = path.join(SHARED, "corpus", "files");

/** The engine's seeded generator, so a failure can be replayed. */
const prng = seededRandom;

const PIECES = [
  "{", "}", "<", ">", "[", "]", ":", ",", ";", "-", ".", "#", "\n", "\r\n", " ", "\t", "\"", "'", "\\",
  "a", "layer", "name", "0", "7", "9", "0x", "e", "E+", "f", "inf", "nan", "\\x", "\\u", "\\U", "\\0",
  "é", "😀", "\ud800", "\u0000", "\u0001", "\u00a0", "[a.b]", "1.5e-3", "\"s\"",
];

/** Parses and checks the outcome; returns a description of anything unacceptable. */
function outcomeProblem(source: string): string | null {
  try {
    const doc = parseTextFormat(source);
    const problems = positionProblems(source, doc);
    return problems.length > 0 ? problems[0] : null;
  } catch (e) {
    if (!(e instanceof TextFormatError)) return `threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
    const { lines, columns } = naivePositions(source);
    const lastLine = lines[source.length];
    if (e.line < 1 || e.line > lastLine || e.column < 1) return `error position ${e.line}:${e.column} out of range`;
    if (e.line === lastLine && e.column > columns[source.length]) return `error column ${e.column} past the end`;
    return null;
  }
}

function expectRobust(inputs: string[]): void {
  const bad: string[] = [];
  for (const s of inputs) {
    const p = outcomeProblem(s);
    if (p !== null) bad.push(`${JSON.stringify(s.slice(0, 200))}: ${p}`);
  }
  expect(bad.slice(0, 5)).toEqual([]);
}

describe("fuzzing the text-format parser", () => {
  it("random code units give a Document or a TextFormatError", () => {
    const rand = prng(1);
    const inputs: string[] = [];
    for (let k = 0; k < RANDOM_INPUTS; k++) {
      const len = Math.floor(rand() * 60);
      let s = "";
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(rand() * (rand() < 0.8 ? 128 : 0x10000)));
      inputs.push(s);
    }
    expectRobust(inputs);
  });

  it("random sequences of text-format pieces give a Document or a TextFormatError", () => {
    const rand = prng(2);
    const inputs: string[] = [];
    let accepted = 0;
    for (let k = 0; k < RANDOM_INPUTS; k++) {
      const len = Math.floor(rand() * 30);
      let s = "";
      for (let j = 0; j < len; j++) s += PIECES[Math.floor(rand() * PIECES.length)];
      inputs.push(s);
    }
    expectRobust(inputs);
    for (const s of inputs) {
      try {
        parseTextFormat(s);
        accepted++;
      } catch {
        // rejections are checked above
      }
    }
    expect(accepted).toBeGreaterThan(0); // the generator reaches the accepting paths too
  });

  it("random mutations of real prototxts give a Document or a TextFormatError", () => {
    const sources: string[] = [];
    if (fs.existsSync(FILES)) {
      for (const f of fs.readdirSync(FILES).sort()) {
        const text = fs.readFileSync(path.join(FILES, f), "utf8");
        if (text.length <= MAX_MUTATED_FILE_CHARS) sources.push(text);
      }
    } else {
      console.warn("../shared absent: mutating a built-in sample only");
    }
    sources.push('name: "n"\nlayer {\n  name: "d" type: "Data" top: ["a", \'b\']\n  param { lr_mult: -1.5e-3 } # c\n  x < y: 0x1F z: [{}, {}] >\n}\n');
    const rand = prng(3);
    const inputs: string[] = [];
    for (let k = 0; k < MUTATIONS; k++) {
      let s = sources[Math.floor(rand() * sources.length)];
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (s.length + 1));
        const len = Math.floor(rand() * 8);
        const kind = rand();
        if (kind < 0.35) s = s.slice(0, at) + s.slice(at + len);
        else if (kind < 0.7) s = s.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + s.slice(at);
        else s = s.slice(0, at) + s.slice(Math.max(0, at - len), at) + s.slice(at);
      }
      inputs.push(s);
    }
    expectRobust(inputs);
  }, SLOW_TEST_TIMEOUT_MS);
});
