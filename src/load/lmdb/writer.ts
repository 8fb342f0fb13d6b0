/**
 * A writer of LMDB 0.9 environments (data format v1) by bulk load: records
 * arrive already sorted by key, leaf pages are filled left to right, values
 * too large for a node go to overflow pages, branch levels are built on top,
 * and the two meta pages are written last (meta 0: the empty initial state,
 * transaction 0; meta 1: the loaded tree, transaction 1), as a single commit
 * by LMDB itself would leave them. Pages are written as they fill, so memory
 * holds only one page per level plus each leaf's first key.
 *
 * Used by tests and by the dataset fixes (shuffle, relabel); it writes only to
 * the destination it is given and refuses to overwrite an existing data file.
 */
import fs from "node:fs";
import path from "node:path";
import {
  DB,
  F_BIGDATA,
  INVALID_PAGE,
  LmdbError,
  MAX_KEY_SIZE,
  MDB_INTEGERKEY,
  META,
  META_MAGIC,
  DATA_VERSION,
  NODE_HEADER_SIZE,
  P_BRANCH,
  P_LEAF,
  P_META,
  P_OVERFLOW,
  PAGE_HEADER_SIZE,
  maxInlineNodeSize,
  overflowPageCount,
  writeU16,
  writeU32,
  writeU64,
} from "./format.js";

export interface WriteLmdbOptions {
  /** Page size in bytes (power of two, 512..65536); default 4096 as on x86-64 Linux. */
  pageSize?: number;
  /** Write one file at `target` (like MDB_NOSUBDIR) instead of `target/data.mdb`. */
  singleFile?: boolean;
}

export interface WriteLmdbResult {
  file: string;
  count: number;
  depth: number;
  leafPages: number;
  branchPages: number;
  overflowPages: number;
  lastPage: number;
}

/** memcmp order (LMDB's default key order) of a[0..aLength) and b. */
function compareBytes(a: Uint8Array, aLength: number, b: Uint8Array): number {
  const n = Math.min(aLength, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return aLength - b.length;
}

const even = (n: number) => (n + 1) & ~1;
const EMPTY = new Uint8Array(0);
const WRITE_CHUNK_BYTES = 1 << 20;

/** A page under construction: nodes are placed from the end of the page downwards. */
interface OpenPage {
  buf: Uint8Array;
  lower: number;
  upper: number;
  count: number;
}

function newPage(pageSize: number): OpenPage {
  return { buf: new Uint8Array(pageSize), lower: PAGE_HEADER_SIZE, upper: pageSize, count: 0 };
}

/** Empties a page for reuse once it has been written. */
function resetPage(p: OpenPage): void {
  p.buf.fill(0);
  p.lower = PAGE_HEADER_SIZE;
  p.upper = p.buf.length;
  p.count = 0;
}

/**
 * Writes `entries` (sorted by key, bytewise, without duplicates) as a new LMDB
 * 0.9 environment at `target`: a folder (created if missing) holding data.mdb,
 * or a single file with `singleFile`. Throws LmdbError for unsorted or
 * oversized keys and when the data file already exists.
 */
export function writeLmdb(
  target: string,
  entries: Iterable<{ key: Uint8Array; value: Uint8Array }>,
  options: WriteLmdbOptions = {},
): WriteLmdbResult {
  const ps = options.pageSize ?? 4096;
  if (ps < 512 || ps > 0x10000 || (ps & (ps - 1)) !== 0) {
    throw new LmdbError("bad-input", target, `page size ${ps} is not a power of two in 512..65536`);
  }
  let file: string;
  if (options.singleFile) {
    file = target;
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  } else {
    fs.mkdirSync(target, { recursive: true });
    file = path.join(target, "data.mdb");
  }
  if (fs.existsSync(file)) throw new LmdbError("destination-exists", file, "already exists; refusing to overwrite it");
  const fd = fs.openSync(file, "wx");
  try {
    const nodeMax = maxInlineNodeSize(ps);
    let nextPage = 2;
    let leafPages = 0;
    let overflowPages = 0;
    let count = 0;
    // Data pages are numbered in the order they are written, so they are
    // appended to a buffer and written in large sequential chunks.
    const pending = new Uint8Array(WRITE_CHUNK_BYTES);
    let pendingBytes = 0;
    let pendingFirst = 2;
    const flushPending = () => {
      if (pendingBytes > 0) fs.writeSync(fd, pending, 0, pendingBytes, pendingFirst * ps);
      pendingFirst += pendingBytes / ps;
      pendingBytes = 0;
    };
    const writePage = (buf: Uint8Array, pgno: number) => {
      if (pgno !== pendingFirst + pendingBytes / ps) throw new Error(`internal: page ${pgno} written out of order`);
      if (pendingBytes + buf.length > pending.length) flushPending();
      if (buf.length > pending.length) {
        fs.writeSync(fd, buf, 0, buf.length, pgno * ps);
        pendingFirst += buf.length / ps;
        return;
      }
      pending.set(buf, pendingBytes);
      pendingBytes += buf.length;
    };
    const finishPage = (p: OpenPage, flags: number): number => {
      const pgno = nextPage++;
      writeU64(p.buf, 0, pgno);
      writeU16(p.buf, 10, flags);
      writeU16(p.buf, 12, p.lower);
      writeU16(p.buf, 14, p.upper);
      writePage(p.buf, pgno);
      return pgno;
    };
    const addNode = (p: OpenPage, nodeSize: number): number => {
      const at = p.upper - nodeSize;
      writeU16(p.buf, p.lower, at);
      p.lower += 2;
      p.upper = at;
      p.count++;
      return at;
    };

    // Leaves, with overflow runs written as values arrive.
    const children: { key: Uint8Array; pgno: number }[] = [];
    const leaf = newPage(ps);
    let leafFirstKey: Uint8Array | null = null;
    const previous = new Uint8Array(MAX_KEY_SIZE);
    let previousLength = -1;
    let run = new Uint8Array(0);
    const flushLeaf = () => {
      if (leaf.count === 0) return;
      children.push({ key: leafFirstKey!, pgno: finishPage(leaf, P_LEAF) });
      leafPages++;
      resetPage(leaf);
    };
    for (const { key, value } of entries) {
      if (key.length === 0 || key.length > MAX_KEY_SIZE) {
        throw new LmdbError("bad-input", file, `key of ${key.length} bytes; LMDB 0.9 keys are 1..${MAX_KEY_SIZE} bytes`);
      }
      if (previousLength >= 0 && compareBytes(previous, previousLength, key) >= 0) {
        throw new LmdbError("bad-input", file, `keys must be strictly increasing (record ${count} is not after record ${count - 1})`);
      }
      previous.set(key);
      previousLength = key.length;
      const big = NODE_HEADER_SIZE + key.length + value.length > nodeMax;
      const nodeSize = even(NODE_HEADER_SIZE + key.length + (big ? 8 : value.length));
      if (leaf.upper - leaf.lower < nodeSize + 2) flushLeaf();
      if (leaf.count === 0) leafFirstKey = key.slice();
      let ovPgno = 0;
      if (big) {
        const n = overflowPageCount(value.length, ps);
        ovPgno = nextPage;
        nextPage += n;
        overflowPages += n;
        if (run.length < n * ps) run = new Uint8Array(n * ps);
        const pages = run.subarray(0, n * ps);
        pages.fill(0);
        writeU64(pages, 0, ovPgno);
        writeU16(pages, 10, P_OVERFLOW);
        writeU32(pages, 12, n);
        pages.set(value, PAGE_HEADER_SIZE);
        writePage(pages, ovPgno);
      }
      const at = addNode(leaf, nodeSize);
      const b = leaf.buf;
      writeU16(b, at, value.length & 0xffff);
      writeU16(b, at + 2, value.length >>> 16);
      writeU16(b, at + 4, big ? F_BIGDATA : 0);
      writeU16(b, at + 6, key.length);
      b.set(key, at + NODE_HEADER_SIZE);
      if (big) writeU64(b, at + NODE_HEADER_SIZE + key.length, ovPgno);
      else b.set(value, at + NODE_HEADER_SIZE + key.length);
      count++;
    }
    flushLeaf();

    // Branch levels: the first node of each branch page has an empty key.
    let level = children;
    let depth = level.length > 0 ? 1 : 0;
    let branchPages = 0;
    while (level.length > 1) {
      const above: { key: Uint8Array; pgno: number }[] = [];
      const page = newPage(ps);
      let firstKey = level[0]!.key;
      const flushBranch = () => {
        above.push({ key: firstKey, pgno: finishPage(page, P_BRANCH) });
        branchPages++;
        resetPage(page);
      };
      for (const child of level) {
        let key = page.count === 0 ? EMPTY : child.key;
        if (page.upper - page.lower < even(NODE_HEADER_SIZE + key.length) + 2) {
          flushBranch();
          key = EMPTY;
        }
        if (page.count === 0) firstKey = child.key;
        const at = addNode(page, even(NODE_HEADER_SIZE + key.length));
        const b = page.buf;
        writeU16(b, at, child.pgno & 0xffff);
        writeU16(b, at + 2, Math.floor(child.pgno / 0x10000) & 0xffff);
        writeU16(b, at + 4, Math.floor(child.pgno / 0x100000000) & 0xffff);
        writeU16(b, at + 6, key.length);
        b.set(key, at + NODE_HEADER_SIZE);
      }
      flushBranch();
      level = above;
      depth++;
    }
    const root = level.length === 1 ? level[0]!.pgno : INVALID_PAGE;
    const lastPage = nextPage - 1;

    // Meta pages.
    const mapSize = Math.ceil(((lastPage + 1) * ps) / (1 << 20)) * (1 << 20);
    flushPending();
    const writeMeta = (pgno: number, txnId: number, loaded: boolean) => {
      const m = new Uint8Array(ps);
      writeU64(m, 0, pgno);
      writeU16(m, 10, P_META);
      writeU32(m, META.magic, META_MAGIC);
      writeU32(m, META.version, DATA_VERSION);
      writeU64(m, META.mapSize, mapSize);
      writeU32(m, META.freeDb + DB.pad, ps);
      writeU16(m, META.freeDb + DB.flags, MDB_INTEGERKEY);
      writeU64(m, META.freeDb + DB.root, INVALID_PAGE);
      const d = META.mainDb;
      writeU16(m, d + DB.depth, loaded ? depth : 0);
      writeU64(m, d + DB.branchPages, loaded ? branchPages : 0);
      writeU64(m, d + DB.leafPages, loaded ? leafPages : 0);
      writeU64(m, d + DB.overflowPages, loaded ? overflowPages : 0);
      writeU64(m, d + DB.entries, loaded ? count : 0);
      writeU64(m, d + DB.root, loaded ? root : INVALID_PAGE);
      writeU64(m, META.lastPage, loaded ? lastPage : 1);
      writeU64(m, META.txnId, txnId);
      fs.writeSync(fd, m, 0, ps, pgno * ps);
    };
    writeMeta(0, 0, false);
    writeMeta(1, 1, true);
    fs.fsyncSync(fd);
    return { file, count, depth, leafPages, branchPages, overflowPages, lastPage };
  } finally {
    fs.closeSync(fd);
  }
}
