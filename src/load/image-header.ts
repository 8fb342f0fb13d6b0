/**
 * Image size and channel count from PNG and JPEG headers, without decoding
 * pixels: enough to check encoded Datum records and ImageData inputs against
 * a net's expected input shape.
 */

export type ImageFormat = "png" | "jpeg";

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** Stored channels: 1 gray, 2 gray+alpha, 3 colour (also palette PNGs), 4 colour+alpha; JPEG: its component count. */
  channels: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Channels per PNG colour type (IHDR byte 9). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** Which image format the bytes start with, from their magic number. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return undefined;
}

const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number) => be16(b, o) * 0x10000 + be16(b, o + 2);

function pngHeader(b: Uint8Array): ImageHeader | undefined {
  // Signature, then the IHDR chunk: length (4), "IHDR", width (4), height (4), bit depth, colour type.
  if (b.length < 26) return undefined;
  if (b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return undefined;
  const channels = PNG_CHANNELS[b[25]!];
  if (channels === undefined) return undefined;
  return { format: "png", width: be32(b, 16), height: be32(b, 20), channels };
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic): they carry the image size. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(b: Uint8Array): ImageHeader | undefined {
  let pos = 2;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return undefined;
    let marker = b[pos + 1]!;
    while (marker === 0xff && pos + 2 < b.length) marker = b[++pos + 1]!; // fill bytes
    pos += 2;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // no length field
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image / scan before any frame
    if (pos + 2 > b.length) return undefined;
    const length = be16(b, pos);
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (pos + 8 > b.length) return undefined;
      return { format: "jpeg", height: be16(b, pos + 3), width: be16(b, pos + 5), channels: b[pos + 7]! };
    }
    pos += length;
  }
  return undefined;
}

/**
 * Reads width, height and channels from a PNG or JPEG file's first bytes
 * (a few KB suffice for usual files). Undefined when the bytes are neither
 * format or the header is cut short.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const format = sniffImageFormat(bytes);
  if (format === "png") return pngHeader(bytes);
  if (format === "jpeg") return jpegHeader(bytes);
  return undefined;
}
