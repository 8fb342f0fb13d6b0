import { describe, expect, it } from "vitest";
import { code, encodeModule, f32, i32, op, sleb, uleb, type ModuleDef } from "../../../src/engine/math/wasm/encode.js";
import { wasmApi } from "../../../src/engine/math/wasm/runtime.js";

/** Decodes unsigned LEB128 independently of the encoder. */
function decodeUleb(bytes: number[]): number {
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) value = value * 128 + (bytes[i]! & 0x7f);
  return value;
}

/** Decodes signed LEB128 independently of the encoder. */
function decodeSleb(bytes: number[]): number {
  const unsigned = decodeUleb(bytes);
  const bits = 7 * bytes.length;
  return unsigned >= 2 ** (bits - 1) ? unsigned - 2 ** bits : unsigned;
}

describe("LEB128", () => {
  it("encodes the specification's examples", () => {
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(uleb(0)).toEqual([0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]); // bit 6 set would read as negative
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
  });

  it("round-trips across byte-length boundaries", () => {
    for (const n of [1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28, 2 ** 32 - 1]) {
      const bytes = uleb(n);
      expect(decodeUleb(bytes)).toBe(n);
      expect(bytes.slice(0, -1).every((b) => b >= 0x80)).toBe(true);
      expect(bytes[bytes.length - 1]!).toBeLessThan(0x80);
    }
    for (const n of [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 2 ** 31 - 1, -(2 ** 31)]) expect(decodeSleb(sleb(n))).toBe(n);
  });

  it("rejects values outside 32 bits", () => {
    expect(() => uleb(-1)).toThrow(RangeError);
    expect(() => uleb(2 ** 32)).toThrow(RangeError);
    expect(() => sleb(2 ** 31)).toThrow(RangeError);
    expect(() => uleb(1.5)).toThrow(RangeError);
  });
});

/** A small module: scalar add, a counted loop, and a SIMD multiply-add over memory. */
const TINY: ModuleDef = {
  memory: { module: "env", field: "memory", minPages: 1 },
  functions: [
    { name: "add", params: [i32, i32], results: [i32], locals: [], body: code(op.localGet(0), op.localGet(1), op.i32Add()) },
    {
      // sum of 1..n, with a loop and a conditional exit
      name: "triangle", params: [i32], results: [i32], locals: [i32],
      body: code(
        op.block(), op.localGet(0), op.i32Eqz(), op.brIf(0),
        op.loop(),
        op.localGet(1), op.localGet(0), op.i32Add(), op.localSet(1),
        op.localGet(0), op.i32Const(1), op.i32Sub(), op.localTee(0), op.brIf(0),
        op.end(), op.end(),
        op.localGet(1),
      ),
    },
    {
      // memory[dst..+4] = memory[a..+4] * splat(memory[s]) + 0.5
      name: "axpyConst", params: [i32, i32, i32], results: [], locals: [f32],
      body: code(
        op.localGet(2), op.f32Load(), op.localSet(3),
        op.localGet(1),
        op.localGet(0), op.v128Load(), op.localGet(3), op.f32x4Splat(), op.f32x4Mul(),
        op.v128ConstF32(0.5), op.f32x4Add(),
        op.v128Store(),
      ),
    },
    {
      // memory[dst..+16] = bytes lanes of memory[src..+16] picked by a fixed shuffle (high half to low)
      name: "highHalf", params: [i32, i32], results: [], locals: [],
      body: code(
        op.localGet(1), op.localGet(0), op.v128Load(), op.localGet(0), op.v128Load(),
        op.i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31]), op.v128Store(),
      ),
    },
  ],
};

describe("encodeModule", () => {
  const bytes = encodeModule(TINY);

  it("starts with the magic number and version 1", () => {
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  });

  it("produces a module WebAssembly.validate accepts, and rejects a corrupted copy", () => {
    expect(wasmApi).toBeDefined();
    expect(wasmApi!.validate(bytes)).toBe(true);
    const corrupt = Uint8Array.from(bytes);
    corrupt[corrupt.length - 1] = 0xff; // the final `end` of the last body
    expect(wasmApi!.validate(corrupt)).toBe(false);
  });

  it("runs: scalar add, a loop, and SIMD multiply-add", () => {
    const memory = new wasmApi!.Memory({ initial: 1 });
    const { exports } = new wasmApi!.Instance(new wasmApi!.Module(bytes), { env: { memory } });
    const add = exports["add"] as (a: number, b: number) => number;
    const triangle = exports["triangle"] as (n: number) => number;
    const axpyConst = exports["axpyConst"] as (a: number, dst: number, s: number) => void;
    expect(add(2, 40)).toBe(42);
    expect(add(-5, 3)).toBe(-2);
    expect(triangle(0)).toBe(0);
    expect(triangle(100)).toBe(5050);
    const heap = new Float32Array(memory.buffer);
    heap.set([1, -2, 3.5, 0.25], 0); // a at byte 0
    heap[16] = 3; // s at byte 64
    axpyConst(0, 80, 64);
    expect([...heap.subarray(20, 24)]).toEqual([3.5, -5.5, 11, 1.25]);
    const highHalf = exports["highHalf"] as (src: number, dst: number) => void;
    highHalf(0, 128); // lanes 8-15 of the first operand, then lanes 8-15 of the second (the same vector)
    expect([...heap.subarray(32, 36)]).toEqual([3.5, 0.25, 3.5, 0.25]);
  });

  it("rejects a shuffle that does not name 16 lanes in 0..31", () => {
    expect(() => op.i8x16Shuffle([0, 1, 2])).toThrow(RangeError);
    expect(() => op.i8x16Shuffle([...Array(15).fill(0), 32])).toThrow(RangeError);
  });
});
