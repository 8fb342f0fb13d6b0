/** LMDB 0.9 (data format v1) reading and writing, in TypeScript. */
export { LmdbError, type LmdbErrorCode } from "./format.js";
export { openLmdb, resolveDataFile, type LmdbCursor, type LmdbEntry, type LmdbEnv, type LmdbStat } from "./reader.js";
export { writeLmdb, type WriteLmdbOptions, type WriteLmdbResult } from "./writer.js";
