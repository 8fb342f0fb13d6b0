/**
 * The few WebAssembly JavaScript API entry points the kernels use, typed here
 * because the project compiles against the ES library only (no DOM types).
 * `wasmApi` is undefined where the runtime has no WebAssembly at all.
 */

/**
 * A linear memory; `buffer` is replaced (the old one detached) when it grows.
 * A shared memory's buffer is a SharedArrayBuffer, which grows in place.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** The subset of the global WebAssembly namespace used here. */
export interface WasmApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The runtime's WebAssembly namespace, if any. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes per WebAssembly memory page. */
export const PAGE_BYTES = 65536;

/**
 * Runs a wasm kernel call; false when it could not run (a RangeError, thrown
 * before anything was written: its memory could not grow to the sizes asked
 * for, or a kernel it needs is unavailable), so that the caller can fall back
 * to its TypeScript path. Other errors propagate.
 */
export function tryWasm(call: () => void): boolean {
  try {
    call();
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}
