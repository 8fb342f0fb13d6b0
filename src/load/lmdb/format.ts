/**
 * Constants of LMDB 0.9's on-disk format ("data format v1", the format Caffe's
 * LMDB files use), for a 64-bit little-endian build, plus the typed error that
 * the reader and writer throw.
 *
 * Layout summary (all integers little-endian):
 *  - every page starts with a 16-byte header: page number (u64), padding (u16),
 *    flags (u16), then either lower/upper free-space bounds (u16, u16) or, on
 *    overflow pages, the number of pages in the run (u32);
 *  - pages 0 and 1 are meta pages; after the header comes the meta record:
 *    magic (u32), version (u32), address (u64), map size (u64), two database
 *    records (free-page DB, main DB), last used page (u64), transaction id (u64);
 *  - a database record is: pad (u32, holds the page size in the free-page DB),
 *    flags (u16), depth (u16), branch/leaf/overflow page counts, entries and
 *    root page (u64 each);
 *  - branch and leaf pages hold an array of u16 node offsets after the header;
 *    a node is lo (u16), hi (u16), flags (u16), key size (u16), key, data.
 *    In a leaf, lo|hi<<16 is the data size; in a branch, lo|hi<<16|flags<<32 is
 *    the child page number.
 */

export const PAGE_HEADER_SIZE = 16;
export const NODE_HEADER_SIZE = 8;
export const META_MAGIC = 0xbeefc0de;
export const DATA_VERSION = 1;
/** Offset, inside a page, where the v2 format (a 24-byte page header) puts the magic. */
export const V2_MAGIC_OFFSET = 24;

export const P_BRANCH = 0x01;
export const P_LEAF = 0x02;
export const P_OVERFLOW = 0x04;
export const P_META = 0x08;
export const P_LEAF2 = 0x20;
export const P_SUBP = 0x40;

export const F_BIGDATA = 0x01;
export const F_SUBDATA = 0x02;
export const F_DUPDATA = 0x04;

export const MDB_REVERSEKEY = 0x02;
export const MDB_DUPSORT = 0x04;
export const MDB_INTEGERKEY = 0x08;
export const MDB_DUPFIXED = 0x10;
export const MDB_INTEGERDUP = 0x20;
export const MDB_REVERSEDUP = 0x40;

/** Byte offsets inside a meta page. */
export const META = {
  magic: 16,
  version: 20,
  address: 24,
  mapSize: 32,
  freeDb: 40,
  mainDb: 88,
  lastPage: 136,
  txnId: 144,
  end: 152,
} as const;

/** Byte offsets inside a 48-byte database record. */
export const DB = {
  pad: 0,
  flags: 4,
  depth: 6,
  branchPages: 8,
  leafPages: 16,
  overflowPages: 24,
  entries: 32,
  root: 40,
  size: 48,
} as const;

/** "No page": the root of an empty database. */
export const INVALID_PAGE = Number.MAX_SAFE_INTEGER;

export const MIN_PAGE_SIZE = 512;
export const MAX_PAGE_SIZE = 0x10000;
/** The longest key LMDB 0.9 accepts (its default MDB_MAXKEYSIZE). */
export const MAX_KEY_SIZE = 511;

/** Largest leaf node kept inline; bigger data goes to overflow pages (LMDB's me_nodemax). */
export function maxInlineNodeSize(pageSize: number): number {
  return (Math.floor((pageSize - PAGE_HEADER_SIZE) / 2) & -2) - 2;
}

/** Pages needed for an overflow run holding `dataSize` bytes. */
export function overflowPageCount(dataSize: number, pageSize: number): number {
  return Math.floor((PAGE_HEADER_SIZE - 1 + dataSize) / pageSize) + 1;
}

export type LmdbErrorCode =
  | "not-found"
  | "not-lmdb"
  | "v2-format"
  | "unsupported-version"
  | "unsupported-feature"
  | "corrupt"
  | "bad-input"
  | "destination-exists";

/** Every problem with an LMDB file or a write request; `message` names the file. */
export class LmdbError extends Error {
  readonly code: LmdbErrorCode;
  readonly file: string;
  constructor(code: LmdbErrorCode, file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "LmdbError";
    this.code = code;
    this.file = file;
  }
}

export function readU16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

/** A u64; values above 2^53 (only the all-ones "invalid page") come back as INVALID_PAGE. */
export function readU64(b: Uint8Array, o: number): number {
  const hi = readU32(b, o + 4);
  if (hi >= 0x200000) return INVALID_PAGE;
  return readU32(b, o) + hi * 0x100000000;
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Writes a u64; INVALID_PAGE is written as all ones, as LMDB does. */
export function writeU64(b: Uint8Array, o: number, v: number): void {
  if (v === INVALID_PAGE) {
    b.fill(0xff, o, o + 8);
    return;
  }
  writeU32(b, o, v % 0x100000000);
  writeU32(b, o + 4, Math.floor(v / 0x100000000));
}
