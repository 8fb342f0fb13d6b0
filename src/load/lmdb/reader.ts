/**
 * A read-only reader of LMDB 0.9 environments (data format v1), the files
 * Caffe's `convert_imageset` and Data layer use. Pure TypeScript: no native
 * code, no lock file, no writes; it works on read-only folders and on files
 * another process may hold open (it reads the last committed state).
 *
 * I/O design: the data file is read on demand with `fs.readSync` into three
 * windows of WINDOW_BYTES (256 KiB: they stay in the CPU's cache while their
 * pages are decoded), one each for leaf, branch and overflow pages, taken
 * from a small pool of windows that closed cursors give back. Memory stays
 * bounded for files of any size, and a key-order scan of a bulk-loaded file
 * (whose leaves are mostly sequential) reads the file about once. No
 * per-record allocation beyond the small entry object of entries() (none
 * with cursor() and its nextRun): keys and values are views into the
 * windows, VALID ONLY UNTIL THE ITERATION ADVANCES; copy them (`slice()`) to
 * keep them. (Allocating fresh buffers instead costs far more than the reads.)
 *
 * Robustness: every page number is checked against the file size and the meta
 * page's last page, every node offset against its page, tree depth against the
 * meta page, and each branch/leaf page may be visited once (a repeated page
 * means a cycle or a corrupt tree). Any violation is an LmdbError, never a
 * crash or a hang.
 */
import fs from "node:fs";
import path from "node:path";
import {
  DATA_VERSION,
  DB,
  F_BIGDATA,
  F_DUPDATA,
  F_SUBDATA,
  INVALID_PAGE,
  LmdbError,
  MAX_PAGE_SIZE,
  MDB_DUPFIXED,
  MDB_DUPSORT,
  MDB_INTEGERDUP,
  MDB_REVERSEDUP,
  META,
  META_MAGIC,
  MIN_PAGE_SIZE,
  NODE_HEADER_SIZE,
  P_BRANCH,
  P_LEAF,
  P_LEAF2,
  P_META,
  P_OVERFLOW,
  PAGE_HEADER_SIZE,
  V2_MAGIC_OFFSET,
  overflowPageCount,
  readU16,
  readU32,
  readU64,
} from "./format.js";

/** One record: views into the reader's buffers, valid until the next record is requested (copy to keep). */
export interface LmdbEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** Statistics of the main database, as recorded in the chosen meta page. */
export interface LmdbStat {
  pageSize: number;
  depth: number;
  branchPages: number;
  leafPages: number;
  overflowPages: number;
  entries: number;
  rootPage: number | null;
  lastPage: number;
  txnId: number;
  mapSize: number;
  flags: number;
}

/** An opened environment: cheap to create (reads the two meta pages only). */
export interface LmdbEnv {
  /** The data file actually read (`<dir>/data.mdb` or the single file). */
  file: string;
  layout: "folder" | "single-file";
  /** Number of records, from the meta page. */
  count: number;
  stat: LmdbStat;
  /** Streams every record in key order, reading the file as it goes. */
  entries(): Generator<LmdbEntry, void, undefined>;
  /** The same walk as an allocation-free cursor (for hot loops). */
  cursor(): LmdbCursor;
}

const WINDOW_BYTES = 1 << 18;
const MAX_DEPTH = 64;

/** Where an environment's data file is: a folder holding data.mdb, or a file. */
export function resolveDataFile(envPath: string): { file: string; layout: "folder" | "single-file" } {
  let st: fs.Stats;
  try {
    st = fs.statSync(envPath);
  } catch {
    throw new LmdbError("not-found", envPath, "no such LMDB environment (neither a folder nor a file)");
  }
  if (st.isDirectory()) {
    const file = path.join(envPath, "data.mdb");
    if (!fs.existsSync(file)) throw new LmdbError("not-found", envPath, "folder has no data.mdb: not an LMDB environment");
    return { file, layout: "folder" };
  }
  return { file: envPath, layout: "single-file" };
}

interface MetaRecord extends LmdbStat {
  valid: true;
}

function describeNonMeta(file: string, head: Uint8Array, offset: number): LmdbError {
  if (head.length >= V2_MAGIC_OFFSET + 8 && readU32(head, V2_MAGIC_OFFSET) === META_MAGIC) {
    return new LmdbError(
      "v2-format",
      file,
      `LMDB data format v${readU32(head, V2_MAGIC_OFFSET + 4)} (as written by newer LMDB builds such as the lmdb npm package); ` +
        "Caffe and the LMDB 0.9 tools cannot read it. Rewrite the dataset with LMDB 0.9 (e.g. Caffe's convert_imageset or py-lmdb).",
    );
  }
  if (head.length >= META.version + 4 && readU32(head, META.magic) === META_MAGIC) {
    return new LmdbError(
      "unsupported-version",
      file,
      `LMDB data format version ${readU32(head, META.version)} at byte ${offset}; only version ${DATA_VERSION} (LMDB 0.9, as Caffe uses) is supported`,
    );
  }
  if (head.length >= 20 && readU32(head, 12) === META_MAGIC) {
    return new LmdbError(
      "unsupported-version",
      file,
      "an LMDB environment written by a 32-bit build (4-byte page numbers); only 64-bit LMDB 0.9 files are supported",
    );
  }
  return new LmdbError("not-lmdb", file, "not an LMDB environment (no LMDB meta page at the start of the file)");
}

function parseMeta(page: Uint8Array): MetaRecord | undefined {
  if (page.length < META.end) return undefined;
  if (readU32(page, META.magic) !== META_MAGIC || readU32(page, META.version) !== DATA_VERSION) return undefined;
  if ((readU16(page, 10) & P_META) === 0) return undefined;
  const main = META.mainDb;
  const root = readU64(page, main + DB.root);
  return {
    valid: true,
    pageSize: readU32(page, META.freeDb + DB.pad),
    flags: readU16(page, main + DB.flags),
    depth: readU16(page, main + DB.depth),
    branchPages: readU64(page, main + DB.branchPages),
    leafPages: readU64(page, main + DB.leafPages),
    overflowPages: readU64(page, main + DB.overflowPages),
    entries: readU64(page, main + DB.entries),
    rootPage: root === INVALID_PAGE ? null : root,
    lastPage: readU64(page, META.lastPage),
    txnId: readU64(page, META.txnId),
    mapSize: readU64(page, META.mapSize),
  };
}

function readAt(fd: number, buf: Uint8Array, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Opens an LMDB 0.9 environment read-only: `envPath` is a folder with data.mdb
 * or a single-file environment. Reads and validates the meta pages and picks
 * the valid one with the higher transaction id. Throws LmdbError.
 */
export function openLmdb(envPath: string): LmdbEnv {
  const { file, layout } = resolveDataFile(envPath);
  const fd = fs.openSync(file, "r");
  let fileSize: number;
  let meta: MetaRecord;
  try {
    fileSize = fs.fstatSync(fd).size;
    const head = new Uint8Array(Math.min(fileSize, 4096));
    readAt(fd, head, 0);
    const meta0 = parseMeta(head);
    if (!meta0) throw describeNonMeta(file, head, 0);
    const ps = meta0.pageSize;
    if (ps < MIN_PAGE_SIZE || ps > MAX_PAGE_SIZE || (ps & (ps - 1)) !== 0) {
      throw new LmdbError("corrupt", file, `meta page gives an impossible page size ${ps}`);
    }
    let meta1: MetaRecord | undefined;
    if (fileSize >= 2 * ps) {
      const second = new Uint8Array(META.end);
      readAt(fd, second, ps);
      meta1 = parseMeta(second);
      if (meta1 && meta1.pageSize !== ps) meta1 = undefined;
    }
    meta = meta1 && meta1.txnId > meta0.txnId ? meta1 : meta0;
  } finally {
    fs.closeSync(fd);
  }
  const m = meta;
  const ps = m.pageSize;
  const check = (cond: boolean, what: string) => {
    if (!cond) throw new LmdbError("corrupt", file, what);
  };
  if (m.flags & (MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP | MDB_REVERSEDUP)) {
    throw new LmdbError(
      "unsupported-feature",
      file,
      `main database uses duplicate keys (DUPSORT flags 0x${m.flags.toString(16)}); Caffe datasets never do and this reader does not support them`,
    );
  }
  check(m.lastPage !== INVALID_PAGE, "meta page has an invalid last page number");
  if (m.rootPage === null) {
    check(m.entries === 0, `meta page says ${m.entries} records but the database has no root page`);
  } else {
    check(m.depth >= 1 && m.depth <= MAX_DEPTH, `meta page gives an impossible tree depth ${m.depth}`);
    check(m.rootPage >= 2 && m.rootPage <= m.lastPage, `root page ${m.rootPage} outside the file's pages 2..${m.lastPage}`);
    check((m.rootPage + 1) * ps <= fileSize, `root page ${m.rootPage} lies beyond the end of the file (${fileSize} bytes)`);
  }
  const stat: LmdbStat = {
    pageSize: m.pageSize,
    depth: m.depth,
    branchPages: m.branchPages,
    leafPages: m.leafPages,
    overflowPages: m.overflowPages,
    entries: m.entries,
    rootPage: m.rootPage,
    lastPage: m.lastPage,
    txnId: m.txnId,
    mapSize: m.mapSize,
    flags: m.flags,
  };
  return {
    file,
    layout,
    count: m.entries,
    stat,
    entries: () => iterateEntries(file, stat),
    cursor: () => openCursor(file, stat),
  };
}

/**
 * A position in the key-order walk, without per-record allocation: after a
 * successful `next()`, the key is keyBuf[keyStart..keyEnd) and the value
 * valueBuf[valueStart..valueEnd). Both are valid until the next call. The
 * file is closed when `next()` returns false, throws, or on `close()`.
 */
export interface LmdbCursor {
  next(): boolean;
  /**
   * The batch form of next(), for scans: the next records whose values lie in
   * their leaf page, at most out.length / 4 of them, from the current leaf and
   * the following ones while the leaf window holds them. Record r's key is
   * runBuf[out[4r] .. out[4r+1]) and its value runBuf[out[4r+2] .. out[4r+3]).
   * Returns how many; 0 at the end of the database; -1 when the next record's
   * value is on overflow pages (next() then returns that record). The two
   * forms may be mixed; views stay valid until the next call of either.
   */
  nextRun(out: Int32Array): number;
  close(): void;
  keyBuf: Uint8Array;
  keyStart: number;
  keyEnd: number;
  valueBuf: Uint8Array;
  valueStart: number;
  valueEnd: number;
  /** The buffer nextRun's offsets refer to. */
  runBuf: Uint8Array;
}

/** Stack frame of the tree walk: a branch page and the next child to visit. */
interface Frame {
  page: Uint8Array;
  pgno: number;
  next: number;
  count: number;
}

function* iterateEntries(file: string, stat: LmdbStat): Generator<LmdbEntry, void, undefined> {
  const cursor = openCursor(file, stat);
  try {
    while (cursor.next()) {
      yield {
        key: cursor.keyBuf.subarray(cursor.keyStart, cursor.keyEnd),
        value: cursor.valueBuf.subarray(cursor.valueStart, cursor.valueEnd),
      };
    }
  } finally {
    cursor.close();
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);

function openCursor(file: string, stat: LmdbStat): LmdbCursor {
  const ps = stat.pageSize;
  let fd = -1;
  let releaseWindows = (): void => {};
  const cursor: LmdbCursor = {
    keyBuf: EMPTY,
    keyStart: 0,
    keyEnd: 0,
    valueBuf: EMPTY,
    valueStart: 0,
    valueEnd: 0,
    runBuf: EMPTY,
    next: () => false,
    nextRun: () => 0,
    close: () => {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
      releaseWindows();
      cursor.next = () => false;
      cursor.nextRun = () => 0;
    },
  };
  if (stat.rootPage === null) return cursor;
  fd = fs.openSync(file, "r");
  const fileSize = fs.fstatSync(fd).size;
  const pageLimit = Math.min(stat.lastPage + 1, Math.floor(fileSize / ps));
  const visited = new Uint8Array(Math.ceil(pageLimit / 8));
  const fail = (what: string): never => {
    cursor.close();
    throw new LmdbError("corrupt", file, what);
  };
  /** Checks that pages pgno..pgno+n-1 exist; `parent` is the page referring to them (0: the meta page). */
  const checkRange = (pgno: number, n: number, parent: number, parentKind: "branch" | "leaf") => {
    if (!(pgno >= 2 && n >= 1 && pgno + n <= pageLimit)) {
      const from = parent === 0 ? "meta page" : `${parentKind} page ${parent}`;
      fail(`${from} refers to page ${pgno}${n > 1 ? ` (+${n - 1})` : ""}, outside the file's pages 2..${pageLimit - 1}`);
    }
  };
  // Leaf pages come through one window, overflow runs through another and
  // branch pages through a third, so a key-order walk of a bulk-loaded file
  // reads it front to back in large chunks: sharing a window, the branch pages
  // (a few per thousand leaves, stored elsewhere) would force extra refills.
  const leafPages = makePageCache(fd, ps, pageLimit);
  const overflowPages = makePageCache(fd, ps, pageLimit);
  const branchPages = makePageCache(fd, ps, pageLimit);
  releaseWindows = () => {
    leafPages.release();
    overflowPages.release();
    branchPages.release();
  };

  /** Marks a tree page as visited and checks its header: returns its entry count. Small, so that it inlines. */
  const checkTreePage = (buf: Uint8Array, base: number, pgno: number, expectLeaf: boolean): number => {
    const bit = 1 << (pgno & 7);
    const seen = visited[pgno >>> 3]! & bit;
    visited[pgno >>> 3]! |= bit;
    // The header's page number, as two 32-bit halves (no 64-bit arithmetic on this per-page path).
    const low = (buf[base]! | (buf[base + 1]! << 8) | (buf[base + 2]! << 16) | (buf[base + 3]! << 24)) >>> 0;
    const high = (buf[base + 4]! | (buf[base + 5]! << 8) | (buf[base + 6]! << 16) | (buf[base + 7]! << 24)) >>> 0;
    const flags = buf[base + 10]! | (buf[base + 11]! << 8);
    const lower = buf[base + 12]! | (buf[base + 13]! << 8);
    const upper = buf[base + 14]! | (buf[base + 15]! << 8);
    if (
      seen !== 0 ||
      (pgno < 0x100000000 ? low !== pgno || high !== 0 : low !== pgno % 0x100000000 || high !== Math.floor(pgno / 0x100000000)) ||
      (flags & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META | P_LEAF2)) !== (expectLeaf ? P_LEAF : P_BRANCH) ||
      lower <= PAGE_HEADER_SIZE || lower > upper || upper > ps || (lower - PAGE_HEADER_SIZE) % 2 !== 0
    ) {
      badTreePage(buf, base, pgno, expectLeaf, seen !== 0);
    }
    return (lower - PAGE_HEADER_SIZE) >>> 1;
  };

  /** Throws the error that describes why checkTreePage rejected a page. */
  const badTreePage = (buf: Uint8Array, base: number, pgno: number, expectLeaf: boolean, seen: boolean): never => {
    if (seen) fail(`page ${pgno} is reached twice in the tree (a cycle or corrupt branch page)`);
    if (readU64(buf, base) !== pgno) fail(`page ${pgno} carries page number ${readU64(buf, base)} in its header`);
    const flags = readU16(buf, base + 10);
    if (flags & P_LEAF2) {
      cursor.close();
      throw new LmdbError("unsupported-feature", file, `page ${pgno} is a LEAF2 page (DUPFIXED data), not supported`);
    }
    if ((flags & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META)) !== (expectLeaf ? P_LEAF : P_BRANCH)) {
      fail(`page ${pgno} has flags 0x${flags.toString(16)}; expected a ${expectLeaf ? "leaf" : "branch"} page at this depth`);
    }
    const lower = readU16(buf, base + 12);
    const upper = readU16(buf, base + 14);
    if (lower === PAGE_HEADER_SIZE) fail(`page ${pgno} has no entries`);
    return fail(`page ${pgno} has inconsistent free-space bounds ${lower}..${upper}`);
  };

  const stack: Frame[] = [];
  const levelPages: Uint8Array[] = [];
  // The current leaf is leaf[leafBase .. leafBase + ps).
  let leaf: Uint8Array = EMPTY;
  let leafBase = 0;
  let leafPgno = 0;
  let leafCount = 0;
  let index = 0;
  let yielded = 0;
  let started = false;

  /** Descends from page `pgno` (at depth stack.length + 1) to its leftmost leaf. */
  const depth = stat.depth;
  /** Makes leaf `pgno` (a child of page `parent`) the current leaf. */
  const enterLeaf = (pgno: number, parent: number) => {
    checkRange(pgno, 1, parent, "branch");
    leafBase = leafPages.load(pgno, 1, fail);
    leaf = leafPages.buf;
    leafCount = checkTreePage(leaf, leafBase, pgno, true);
    leafPgno = pgno;
    index = 0;
  };
  const descend = (pgno: number, parent: number) => {
    for (;;) {
      if (stack.length + 1 === depth) {
        enterLeaf(pgno, parent);
        return;
      }
      checkRange(pgno, 1, parent, "branch");
      // Branch pages come through a window of their own (they are few, and often stored together)
      // and are copied into one buffer per tree level, reused by the next branch page at that level.
      const page = (levelPages[stack.length] ??= new Uint8Array(ps));
      const at = branchPages.load(pgno, 1, fail);
      page.set(branchPages.buf.subarray(at, at + ps));
      const frame: Frame = { page, pgno, next: 1, count: checkTreePage(page, 0, pgno, false) };
      stack.push(frame);
      parent = pgno;
      pgno = branchChild(frame, 0, ps, fail);
    }
  };

  /** Moves to the next leaf; false at the end of the tree. */
  const nextLeaf = (): boolean => {
    let frame = stack[stack.length - 1];
    // The common case: the next child of the lowest branch page, itself a leaf.
    if (frame !== undefined && frame.next < frame.count && stack.length + 1 === depth) {
      const child = branchChild(frame, frame.next, ps, fail);
      frame.next++;
      enterLeaf(child, frame.pgno);
      return true;
    }
    while (frame && frame.next >= frame.count) {
      stack.pop();
      frame = stack[stack.length - 1];
    }
    if (!frame) return false;
    const child = branchChild(frame, frame.next, ps, fail);
    frame.next++;
    descend(child, frame.pgno);
    return true;
  };

  /** Moves to the leaf holding the next record; false (and the file closed) at the end. */
  const atRecord = (): boolean => {
    if (!started) {
      started = true;
      descend(stat.rootPage!, 0);
    } else if (index >= leafCount && !nextLeaf()) {
      if (yielded !== stat.entries) fail(`meta page says ${stat.entries} records but the tree holds ${yielded}`);
      cursor.close();
      return false;
    }
    return true;
  };

  /** Node `i` of the current leaf: checks it and returns its byte offset in `leaf`. */
  const nodeAt = (i: number): number => {
    const b = leaf;
    const entry = leafBase + PAGE_HEADER_SIZE + 2 * i;
    const at = b[entry]! | (b[entry + 1]! << 8);
    if (at < PAGE_HEADER_SIZE + 2 * leafCount || at + NODE_HEADER_SIZE > ps) {
      fail(`leaf page ${leafPgno} node ${i} at offset ${at} is outside the page`);
    }
    const node = leafBase + at;
    if ((b[node + 4]! | (b[node + 5]! << 8)) & (F_SUBDATA | F_DUPDATA)) {
      cursor.close();
      throw new LmdbError(
        "unsupported-feature",
        file,
        (b[node + 4]! | (b[node + 5]! << 8)) & F_SUBDATA
          ? "the main database holds named sub-databases; Caffe datasets use the main database only"
          : "the database holds duplicate keys (DUPSORT); not supported",
      );
    }
    return node;
  };

  cursor.nextRun = (out) => {
    if (!atRecord()) return 0;
    const max = out.length >> 2;
    let n = runOfLeaf(out, 0, max);
    // Then the following leaves of the lowest branch page that the leaf window already holds, in
    // this loop (what nextLeaf and enterLeaf do for them, without the calls).
    const frame = stack[stack.length - 1];
    if (n < max && index >= leafCount && frame !== undefined && stack.length + 1 === depth) {
      const window = leafPages.buf, first = leafPages.first(), end = first + leafPages.pages();
      while (n < max && index >= leafCount && frame.next < frame.count) {
        const child = branchChild(frame, frame.next, ps, fail);
        if (!(child >= first && child < end)) break;
        frame.next++;
        leafBase = (child - first) * ps;
        leaf = window;
        leafCount = checkTreePage(window, leafBase, child, true);
        leafPgno = child;
        index = 0;
        n = runOfLeaf(out, n, max);
      }
    }
    cursor.runBuf = leaf;
    return n === 0 ? -1 : n;
  };

  const nodeOverflows = (i: number): never => fail(`leaf page ${leafPgno} node ${i} overflows its page`);

  /** Adds the current leaf's records from `index` on to out[4n..], up to `max` in all; returns the new n. */
  const runOfLeaf = (out: Int32Array, n: number, max: number): number => {
    // The leaf's state in locals for the loop (the same checks as nodeAt, which reports failures).
    const b = leaf, base = leafBase, count = leafCount, pageEnd = base + ps;
    const firstNode = PAGE_HEADER_SIZE + 2 * count;
    const n0 = n;
    let i = index;
    while (i < count && n < max) {
      const entry = base + PAGE_HEADER_SIZE + 2 * i;
      const at = b[entry]! | (b[entry + 1]! << 8);
      const node = base + at;
      const flags = at < firstNode || at + NODE_HEADER_SIZE > ps ? -1 : b[node + 4]! | (b[node + 5]! << 8);
      if (flags < 0 || flags & (F_SUBDATA | F_DUPDATA)) nodeAt(i); // throws
      if (flags & F_BIGDATA) break;
      const dataSize = b[node]! | (b[node + 1]! << 8) | (b[node + 2]! << 16) | (b[node + 3]! * 0x1000000);
      const keyStart = node + NODE_HEADER_SIZE;
      const dataStart = keyStart + (b[node + 6]! | (b[node + 7]! << 8));
      if (dataStart + dataSize > pageEnd) nodeOverflows(i);
      const o = 4 * n;
      out[o] = keyStart;
      out[o + 1] = dataStart;
      out[o + 2] = dataStart;
      out[o + 3] = dataStart + dataSize;
      n++;
      i++;
    }
    index = i;
    yielded += n - n0;
    return n;
  };

  cursor.next = () => {
    if (!atRecord()) return false;
    const i = index++;
    const b = leaf;
    const base = leafBase;
    const node = nodeAt(i);
    const dataSize = b[node]! | (b[node + 1]! << 8) | (b[node + 2]! << 16) | (b[node + 3]! * 0x1000000);
    const nodeFlags = b[node + 4]! | (b[node + 5]! << 8);
    const keyStart = node + NODE_HEADER_SIZE;
    const dataStart = keyStart + (b[node + 6]! | (b[node + 7]! << 8));
    cursor.keyBuf = b;
    cursor.keyStart = keyStart;
    cursor.keyEnd = dataStart;
    if (nodeFlags & F_BIGDATA) {
      if (dataStart + 8 > base + ps) fail(`leaf page ${leafPgno} node ${i} overflows its page`);
      const ovPgno = readU64(b, dataStart);
      const needed = overflowPageCount(dataSize, ps);
      checkRange(ovPgno, 1, leafPgno, "leaf");
      let head = overflowPages.load(ovPgno, 1, fail);
      if ((readU16(overflowPages.buf, head + 10) & P_OVERFLOW) === 0) fail(`page ${ovPgno} should be an overflow page`);
      const runPages = readU32(overflowPages.buf, head + 12);
      if (runPages < needed) fail(`overflow page ${ovPgno} holds ${runPages} pages, value needs ${needed}`);
      checkRange(ovPgno, needed, leafPgno, "leaf");
      head = overflowPages.load(ovPgno, needed, fail);
      cursor.valueBuf = overflowPages.buf;
      cursor.valueStart = head + PAGE_HEADER_SIZE;
      cursor.valueEnd = head + PAGE_HEADER_SIZE + dataSize;
    } else {
      if (dataStart + dataSize > base + ps) fail(`leaf page ${leafPgno} node ${i} overflows its page`);
      cursor.valueBuf = b;
      cursor.valueStart = dataStart;
      cursor.valueEnd = dataStart + dataSize;
    }
    yielded++;
    return true;
  };
  return cursor;
}

/**
 * A read cache over the data file: `load(pgno, n)` makes `n` consecutive
 * pages (already range-checked) available as buf[offset .. offset + n * pageSize) and
 * returns the offset. Pages are served from a reused WINDOW_BYTES buffer that
 * is refilled with one read when they fall outside it; runs larger than half
 * a window get a (reused, grown) buffer of their own, so `buf` may change
 * with every call. Valid until the next call.
 */
interface PageCache {
  buf: Uint8Array;
  load(pgno: number, n: number, fail: (what: string) => never): number;
  /** The window's first page and page count (buf is the window after a load that hit it). */
  first(): number;
  pages(): number;
  /** Gives the window back to the pool; the cache must not be used afterwards. */
  release(): void;
}

/**
 * Windows of closed cursors, kept for the next ones: allocating (and zeroing)
 * a fresh window per cursor costs about a fifth of a whole scan of a small
 * dataset. A pooled window's old bytes are never read: a cache starts with
 * no pages in its window.
 */
const freeWindows: Uint8Array[] = [];
const MAX_FREE_WINDOWS = 6;

function makePageCache(fd: number, ps: number, pageLimit: number): PageCache {
  // Allocated on first use: a walk without large values never needs an overflow window.
  let window: Uint8Array = EMPTY;
  const windowCapacity = WINDOW_BYTES / ps;
  let windowFirst = 0;
  let windowPages = 0;
  let large = new Uint8Array(0);
  const cache: PageCache = {
    buf: EMPTY,
    load(pgno, n, fail) {
      if (pgno >= windowFirst && pgno + n <= windowFirst + windowPages) {
        cache.buf = window;
        return (pgno - windowFirst) * ps;
      }
      const bytes = n * ps;
      if (n > windowCapacity / 2) {
        if (large.length < bytes) large = new Uint8Array(bytes);
        if (readAt(fd, large.subarray(0, bytes), pgno * ps) !== bytes) fail(`short read at page ${pgno}`);
        cache.buf = large;
        return 0;
      }
      const count = Math.min(windowCapacity, pageLimit - pgno);
      if (window.length === 0) window = freeWindows.pop() ?? new Uint8Array(WINDOW_BYTES);
      windowPages = 0; // invalid until the read succeeds
      if (count < n || readAt(fd, window.subarray(0, count * ps), pgno * ps) !== count * ps) fail(`short read at page ${pgno}`);
      windowFirst = pgno;
      windowPages = count;
      cache.buf = window;
      return 0;
    },
    first: () => windowFirst,
    pages: () => windowPages,
    release() {
      if (window.length === WINDOW_BYTES && freeWindows.length < MAX_FREE_WINDOWS) freeWindows.push(window);
      window = EMPTY;
      windowPages = 0;
      cache.buf = EMPTY;
    },
  };
  return cache;
}

function branchChild(frame: Frame, i: number, ps: number, fail: (what: string) => never): number {
  const at = readU16(frame.page, PAGE_HEADER_SIZE + 2 * i);
  if (at < PAGE_HEADER_SIZE + 2 * frame.count || at + NODE_HEADER_SIZE > ps) {
    fail(`branch page ${frame.pgno} node ${i} at offset ${at} is outside the page`);
  }
  const p = frame.page;
  const low = readU16(p, at) + readU16(p, at + 2) * 0x10000;
  const high = readU16(p, at + 4);
  // Small integers stay small integers (no floating-point page numbers on this per-leaf path).
  return high === 0 ? low : low + high * 0x100000000;
}
