/**
 * Damaged files: the reader must answer with an LmdbError (never another
 * exception, a crash or a hang) however the bytes are broken.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { LmdbError, openLmdb } from "../../src/load/lmdb/index.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE = path.join(REPO, "fixtures/lmdb/imbalanced200/data.mdb");
const PAGE = 4096;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-lmdb-corrupt-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let serial = 0;
function damaged(edit: (b: Buffer) => Buffer | void): string {
  const bytes = fs.readFileSync(SOURCE);
  const out = edit(bytes) ?? bytes;
  const file = path.join(tmp, `case${serial++}.mdb`);
  fs.writeFileSync(file, out);
  return file;
}
function outcome(file: string): string {
  try {
    let n = 0;
    for (const _ of openLmdb(file).entries()) n++;
    return `read ${n}`;
  } catch (e) {
    if (e instanceof LmdbError) return e.code;
    throw e;
  }
}
/** Root page number of the main DB in the meta page with the higher transaction id. */
function rootOf(b: Buffer): number {
  const newer = b.readBigUInt64LE(144) > b.readBigUInt64LE(PAGE + 144) ? 0 : PAGE;
  return Number(b.readBigUInt64LE(newer + 88 + 40));
}

describe("reader on damaged files", () => {
  it("reads the intact copy", () => {
    expect(outcome(damaged(() => {}))).toBe("read 200");
  });

  it("a file cut after the meta pages", () => {
    expect(outcome(damaged((b) => b.subarray(0, 2 * PAGE)))).toBe("corrupt");
  });

  it("a file shorter than one page of garbage", () => {
    expect(outcome(damaged(() => Buffer.from("hello")))).toBe("not-lmdb");
  });

  it("a meta page laid out by a 32-bit build is named as such", () => {
    const file = damaged((b) => {
      const head = Buffer.alloc(2 * PAGE);
      head.writeUInt32LE(0xbeefc0de, 12);
      head.writeUInt32LE(1, 16);
      return head;
    });
    expect(outcome(file)).toBe("unsupported-version");
  });

  it("a branch page pointing at itself (cycle)", () => {
    const file = damaged((b) => {
      const root = rootOf(b);
      const at = b.readUInt16LE(root * PAGE + 16 + 2); // second node of the root branch
      b.writeUInt16LE(root & 0xffff, root * PAGE + at);
      b.writeUInt16LE(0, root * PAGE + at + 2);
    });
    expect(outcome(file)).toBe("corrupt");
  });

  it("a branch node pointing past the end of the file", () => {
    const file = damaged((b) => {
      const root = rootOf(b);
      const at = b.readUInt16LE(root * PAGE + 16);
      b.writeUInt16LE(0xfff0, root * PAGE + at + 2);
    });
    expect(outcome(file)).toBe("corrupt");
  });

  it("a DUPSORT main database is refused as unsupported", () => {
    const file = damaged((b) => {
      b.writeUInt16LE(0x04, 88 + 4);
      b.writeUInt16LE(0x04, PAGE + 88 + 4);
    });
    expect(outcome(file)).toBe("unsupported-feature");
  });

  it("random byte damage never escapes as anything but LmdbError", () => {
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    const seen = new Set<string>();
    for (let trial = 0; trial < 150; trial++) {
      const file = damaged((b) => {
        const flips = 1 + Math.floor(rand() * 8);
        for (let i = 0; i < flips; i++) {
          // Aim at page headers, node tables and meta fields, where damage matters most.
          const page = Math.floor(rand() * (b.length / PAGE));
          const off = rand() < 0.7 ? Math.floor(rand() * 200) : Math.floor(rand() * PAGE);
          b[page * PAGE + off] = Math.floor(rand() * 256);
        }
      });
      seen.add(outcome(file).startsWith("read") ? "read" : "error");
      fs.rmSync(file);
    }
    expect(seen.has("error")).toBe(true);
  });
});
