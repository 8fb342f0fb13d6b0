/**
 * Image headers: JPEG fixtures made by libjpeg's cjpeg (see
 * fixtures/lmdb/README.md), PNG files assembled here chunk by chunk.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readImageHeader, sniffImageFormat } from "../../src/load/image-header.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const IMAGES = path.join(REPO, "fixtures/lmdb/images");

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}
/** A complete, valid PNG of the given size and colour type (pixels all zero, 8-bit). */
function makePng(width: number, height: number, colourType: number, channels: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  const raw = Buffer.alloc(height * (1 + width * channels));
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr)];
  if (colourType === 3) parts.push(chunk("PLTE", Buffer.alloc(3)));
  parts.push(chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

describe("readImageHeader", () => {
  it.each([
    [0, 1, 1, 7, 300],
    [2, 3, 3, 640, 480],
    [3, 1, 3, 16, 16],
    [4, 2, 2, 1, 2],
    [6, 4, 4, 70000, 3],
  ])("PNG colour type %i", (colourType, stored, channels, width, height) => {
    const png = makePng(width, height, colourType, stored);
    expect(readImageHeader(png)).toEqual({ format: "png", width, height, channels });
  });

  it.each([
    ["gray_5x7.jpg", 5, 7, 1],
    ["rgb_13x9.jpg", 13, 9, 3],
    ["rgb_13x9_progressive.jpg", 13, 9, 3],
  ])("JPEG %s", (file, width, height, channels) => {
    const bytes = fs.readFileSync(path.join(IMAGES, file));
    expect(readImageHeader(bytes)).toEqual({ format: "jpeg", width, height, channels });
  });

  it("returns undefined for other bytes and for cut headers", () => {
    expect(readImageHeader(new TextEncoder().encode("GIF89a........"))).toBeUndefined();
    expect(readImageHeader(makePng(3, 3, 0, 1).subarray(0, 20))).toBeUndefined();
    expect(readImageHeader(fs.readFileSync(path.join(IMAGES, "rgb_13x9.jpg")).subarray(0, 30))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
  });
});
