/**
 * A minimal WebAssembly binary encoder: enough of the module format (types,
 * one imported memory, functions, exports, code) and of the instruction set
 * (integer and float scalar arithmetic, structured control flow, memory access
 * and the handful of 128-bit SIMD instructions a matrix kernel needs) to build
 * numeric kernels at runtime without a compiler toolchain.
 *
 * Instructions are plain byte arrays; a function body is their concatenation
 * (see `code`). Everything here follows the WebAssembly core specification's
 * binary format, version 1, plus the fixed-width SIMD proposal (0xFD prefix).
 */

/** Value types, encoded as their type bytes. */
export const i32 = 0x7f;
export const i64 = 0x7e;
export const f32 = 0x7d;
export const f64 = 0x7c;
export const v128 = 0x7b;
export type ValType = typeof i32 | typeof i64 | typeof f32 | typeof f64 | typeof v128;

/** Unsigned LEB128 of a non-negative integer below 2^32. */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`uleb: ${n} is not a u32`);
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of an integer in the i32 range. */
export function sleb(n: number): number[] {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) throw new RangeError(`sleb: ${n} is not an i32`);
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A length-prefixed vector of already encoded items. */
export function vec(items: number[][]): number[] {
  return code(uleb(items.length), ...items);
}

/** A UTF-8 name, length-prefixed. */
export function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A section: id byte, byte length, contents. */
export function section(id: number, contents: number[]): number[] {
  return code([id], uleb(contents.length), contents);
}

/** Concatenates instructions (byte arrays) into one sequence. */
export function code(...parts: number[][]): number[] {
  // A plain loop: Array.prototype.flat is several times slower, and kernels nest code() deeply.
  const out: number[] = [];
  for (const part of parts) for (let i = 0; i < part.length; i++) out.push(part[i]!);
  return out;
}

/** Memory immediate: alignment exponent (log2 bytes) and constant byte offset. */
function memarg(alignLog2: number, offset: number): number[] {
  return [...uleb(alignLog2), ...uleb(offset)];
}

const simd = (opcode: number, ...imm: number[]): number[] => [0xfd, ...uleb(opcode), ...imm];

/** Block type "no result". */
const EMPTY = 0x40;

/** The instructions used by the kernels, each returning its encoding. */
export const op = {
  unreachable: (): number[] => [0x00],
  block: (): number[] => [0x02, EMPTY],
  loop: (): number[] => [0x03, EMPTY],
  if: (): number[] => [0x04, EMPTY],
  else: (): number[] => [0x05],
  end: (): number[] => [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  return: (): number[] => [0x0f],
  drop: (): number[] => [0x1a],
  /** Pops a, b, condition; pushes condition !== 0 ? a : b. */
  select: (): number[] => [0x1b],

  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  localTee: (i: number): number[] => [0x22, ...uleb(i)],

  i32Load: (offset = 0): number[] => [0x28, ...memarg(2, offset)],
  f32Load: (offset = 0): number[] => [0x2a, ...memarg(2, offset)],
  f64Load: (offset = 0): number[] => [0x2b, ...memarg(3, offset)],
  i32Store: (offset = 0): number[] => [0x36, ...memarg(2, offset)],
  f32Store: (offset = 0): number[] => [0x38, ...memarg(2, offset)],
  f64Store: (offset = 0): number[] => [0x39, ...memarg(3, offset)],

  i32Const: (n: number): number[] => [0x41, ...sleb(n)],
  f32Const: (x: number): number[] => {
    const bytes = new Uint8Array(new Float32Array([x]).buffer);
    return [0x43, ...bytes];
  },

  f64Const: (x: number): number[] => {
    const bytes = new Uint8Array(new Float64Array([x]).buffer);
    return [0x44, ...bytes];
  },

  i32Eqz: (): number[] => [0x45],
  i32Eq: (): number[] => [0x46],
  i32Ne: (): number[] => [0x47],
  i32LtS: (): number[] => [0x48],
  i32LtU: (): number[] => [0x49],
  i32GtS: (): number[] => [0x4a],
  i32LeS: (): number[] => [0x4c],
  i32GeS: (): number[] => [0x4e],
  i32Add: (): number[] => [0x6a],
  i32Sub: (): number[] => [0x6b],
  i32Mul: (): number[] => [0x6c],
  i32And: (): number[] => [0x71],
  i32Shl: (): number[] => [0x74],
  f32Eq: (): number[] => [0x5b],
  f32Gt: (): number[] => [0x5e],
  f64Eq: (): number[] => [0x61],
  f32Add: (): number[] => [0x92],
  f32Sub: (): number[] => [0x93],
  f32Mul: (): number[] => [0x94],
  f64PromoteF32: (): number[] => [0xbb],

  v128Load: (offset = 0): number[] => simd(0x00, ...memarg(4, offset)),
  v128Load32Splat: (offset = 0): number[] => simd(0x09, ...memarg(2, offset)),
  v128Load64Splat: (offset = 0): number[] => simd(0x0a, ...memarg(3, offset)),
  v128Store: (offset = 0): number[] => simd(0x0b, ...memarg(4, offset)),
  /** Loads 8 bytes into the low half of a v128, zeroing the high half. */
  v128Load64Zero: (offset = 0): number[] => simd(0x5d, ...memarg(3, offset)),
  /** Stores 64-bit lane `lane` of a v128. */
  v128Store64Lane: (offset: number, lane: number): number[] => simd(0x5b, ...memarg(3, offset), lane),
  /** v128.const with four equal f32 lanes. */
  v128ConstF32: (x: number): number[] => {
    const bytes = new Uint8Array(new Float32Array([x, x, x, x]).buffer);
    return simd(0x0c, ...bytes);
  },
  /** Pops a, b; lane i of the result is byte lanes[i] of a:b (0-15 from a, 16-31 from b). */
  i8x16Shuffle: (lanes: readonly number[]): number[] => {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) throw new RangeError("i8x16Shuffle: 16 lanes in 0..31");
    return simd(0x0d, ...lanes);
  },
  f32x4Splat: (): number[] => simd(0x13),
  f32x4ReplaceLane: (lane: number): number[] => simd(0x20, lane),
  /** Lane-wise a > b: all ones where true (false for NaN). */
  f32x4Gt: (): number[] => simd(0x44),
  i32x4Splat: (): number[] => simd(0x11),
  i32x4ReplaceLane: (lane: number): number[] => simd(0x1c, lane),
  i32x4Add: (): number[] => simd(0xae),
  /** Pops a, b, mask; pushes (a & mask) | (b & ~mask). */
  v128Bitselect: (): number[] => simd(0x52),
  f32x4Add: (): number[] => simd(0xe4),
  f32x4Sub: (): number[] => simd(0xe5),
  f32x4Mul: (): number[] => simd(0xe6),
  f64x2Splat: (): number[] => simd(0x14),
  f64x2Add: (): number[] => simd(0xf0),
  f64x2Mul: (): number[] => simd(0xf2),
  /** The two low f32 lanes widened to f64. */
  f64x2PromoteLowF32x4: (): number[] => simd(0x5f),
  /** Both f64 lanes narrowed to f32 in the low lanes; the high lanes are 0. */
  f32x4DemoteF64x2Zero: (): number[] => simd(0x5e),
};

/** One function of a module: its signature, extra locals (after the params) and body (without the final `end`). */
export interface FunctionDef {
  /** Export name. */
  name: string;
  params: ValType[];
  results: ValType[];
  locals: ValType[];
  body: number[];
}

/** A module with one imported linear memory and exported functions. */
export interface ModuleDef {
  /**
   * Import (module, field) names of the memory, and its initial size in 64 KiB
   * pages; `shared` memories (for threads) must give a maximum size.
   */
  memory: { module: string; field: string; minPages: number; maxPages?: number; shared?: boolean };
  functions: FunctionDef[];
}

const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;

/** Encodes a module to its binary form. Each function gets its own type entry. */
export function encodeModule(def: ModuleDef): Uint8Array<ArrayBuffer> {
  const types = def.functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const { minPages, maxPages, shared } = def.memory;
  if (shared && maxPages === undefined) throw new Error("encodeModule: a shared memory needs maxPages");
  // Limits: flag 0 (minimum), 1 (minimum and maximum), 3 (shared, minimum and maximum).
  const limits = maxPages === undefined ? [0x00, ...uleb(minPages)] : [shared ? 0x03 : 0x01, ...uleb(minPages), ...uleb(maxPages)];
  const memoryImport = [...name(def.memory.module), ...name(def.memory.field), 0x02, ...limits];
  const funcTypeIndices = def.functions.map((_, i) => uleb(i));
  const exports = def.functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const bodies = def.functions.map((f) => {
    // Locals are declared as runs of equal type.
    const runs: number[][] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...uleb(j - i), f.locals[i]!]);
      i = j;
    }
    const body = code(vec(runs), f.body, [0x0b]);
    return code(uleb(body.length), body);
  });
  return Uint8Array.from(code(
    [0x00, 0x61, 0x73, 0x6d], // magic "\0asm"
    [0x01, 0x00, 0x00, 0x00], // version 1
    section(SECTION.type, vec(types)),
    section(SECTION.import, vec([memoryImport])),
    section(SECTION.function, vec(funcTypeIndices)),
    section(SECTION.export, vec(exports)),
    section(SECTION.code, vec(bodies)),
  ));
}

/** Instructions for local += amount, where `amount` pushes one i32. */
export function addToLocal(local: number, amount: number[]): number[] {
  return code(op.localGet(local), amount, op.i32Add(), op.localSet(local));
}

/** Instructions for local += 1, then branch back to the innermost loop while local != the `limit` local. */
export function countUpAndLoop(local: number, limit: number): number[] {
  return code(op.localGet(local), op.i32Const(1), op.i32Add(), op.localTee(local), op.localGet(limit), op.i32Ne(), op.brIf(0));
}

/** Instructions for local -= 1, then branch back to the innermost loop while local != 0. */
export function countDownAndLoop(local: number): number[] {
  return code(op.localGet(local), op.i32Const(1), op.i32Sub(), op.localTee(local), op.brIf(0));
}
