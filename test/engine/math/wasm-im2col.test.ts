import { afterEach, describe, expect, it } from "vitest";
import { getGemmBackend, setGemmBackend } from "../../../src/engine/math/gemm.js";
import {
  col2im, col2imTs, convOutputSize, getWasmIm2col, im2col, im2colTs, type ConvGeometry,
} from "../../../src/engine/math/im2col.js";
import { seededRandom } from "../../../src/engine/rng.js";

function geometry(channels: number, height: number, width: number, k: [number, number], pad: [number, number], stride: [number, number], dilation: [number, number]): ConvGeometry {
  return {
    channels, height, width, kernelH: k[0], kernelW: k[1], padH: pad[0], padW: pad[1],
    strideH: stride[0], strideW: stride[1], dilationH: dilation[0], dilationW: dilation[1],
  };
}

const GEOMETRIES: ConvGeometry[] = [
  geometry(20, 12, 12, [5, 5], [0, 0], [1, 1], [1, 1]), // LeNet conv2
  geometry(1, 28, 28, [5, 5], [0, 0], [1, 1], [1, 1]), // LeNet conv1
  geometry(3, 32, 32, [5, 5], [2, 2], [1, 1], [1, 1]), // CIFAR-10-quick conv1
  geometry(2, 7, 9, [3, 2], [1, 2], [2, 3], [1, 1]),
  geometry(3, 11, 10, [3, 3], [2, 1], [1, 2], [2, 3]),
  geometry(2, 3, 4, [5, 5], [4, 4], [1, 1], [1, 1]), // kernel rows and columns wholly in the padding
  geometry(4, 5, 5, [1, 1], [0, 0], [1, 1], [1, 1]),
  geometry(3, 9, 9, [3, 3], [0, 0], [1, 1], [1, 1]), // rows of 7: four at a time, then three one by one
  geometry(2, 10, 13, [3, 4], [1, 1], [1, 1], [1, 2]), // unit stride, some rows inside and some not
  geometry(1, 1, 1, [1, 1], [0, 0], [1, 1], [1, 1]),
];

/** Unfold straight from the definition (the pixel under each kernel tap, 0 outside). */
function unfoldByDefinition(image: Float32Array, g: ConvGeometry): Float32Array {
  const outH = convOutputSize(g.height, g.kernelH, g.padH, g.strideH, g.dilationH);
  const outW = convOutputSize(g.width, g.kernelW, g.padW, g.strideW, g.dilationW);
  const col = new Float32Array(g.channels * g.kernelH * g.kernelW * outH * outW);
  for (let c = 0; c < g.channels; c++) for (let i = 0; i < g.kernelH; i++) for (let j = 0; j < g.kernelW; j++) {
    const rowOfCol = (c * g.kernelH + i) * g.kernelW + j;
    for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) {
      const y = oy * g.strideH - g.padH + i * g.dilationH, x = ox * g.strideW - g.padW + j * g.dilationW;
      const inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
      col[(rowOfCol * outH + oy) * outW + ox] = inside ? image[(c * g.height + y) * g.width + x]! : 0;
    }
  }
  return col;
}

function columnEntries(g: ConvGeometry): number {
  const outH = convOutputSize(g.height, g.kernelH, g.padH, g.strideH, g.dilationH);
  const outW = convOutputSize(g.width, g.kernelW, g.padW, g.strideW, g.dilationW);
  return g.channels * g.kernelH * g.kernelW * outH * outW;
}

describe("WebAssembly im2col / col2im", () => {
  const initial = getGemmBackend();
  afterEach(() => setGemmBackend(initial));
  const random = seededRandom(21);

  it("is available in this runtime", () => {
    expect(getWasmIm2col()).not.toBeNull();
  });

  for (const g of GEOMETRIES) {
    const label = `C=${g.channels} ${g.height}x${g.width} k=${g.kernelH}x${g.kernelW} pad=${g.padH},${g.padW} stride=${g.strideH},${g.strideW} dilation=${g.dilationH},${g.dilationW}`;
    it(`unfolds as the definition says and folds bit-identically to the TypeScript sweep: ${label}`, () => {
      setGemmBackend("wasm"); // every size through WebAssembly
      const imageFloats = g.channels * g.height * g.width, entries = columnEntries(g);
      const imageOff = 3, colOff = 5;
      const image = Float32Array.from({ length: imageOff + imageFloats + 2 }, () => random() * 2 - 1);
      const col = new Float32Array(colOff + entries + 2).fill(Number.NaN);
      im2col(image, imageOff, g, col, colOff);
      expect([...col.subarray(colOff, colOff + entries)]).toEqual([...unfoldByDefinition(image.subarray(imageOff), g)]);
      expect(Number.isNaN(col[colOff - 1]!) && Number.isNaN(col[colOff + entries]!)).toBe(true);

      const columns = Float32Array.from({ length: colOff + entries }, () => random() * 2 - 1);
      const viaWasm = Float32Array.from({ length: imageOff + imageFloats + 2 }, () => Number.NaN);
      const viaTs = Float32Array.from(viaWasm);
      col2im(columns, colOff, g, viaWasm, imageOff);
      col2imTs(columns, colOff, g, viaTs, imageOff);
      expect([...viaWasm]).toEqual([...viaTs]);
      expect(viaWasm.subarray(imageOff, imageOff + imageFloats).every(Number.isFinite)).toBe(true);
    });
  }

  for (const backend of ["wasm", "ts"] as const) {
    it(`unfolds and folds a batch of images side by side, as one image at a time does (${backend})`, () => {
      setGemmBackend(backend);
      const g = GEOMETRIES[3]!;
      const count = 3, imageFloats = g.channels * g.height * g.width, stride = imageFloats + 7, entries = columnEntries(g);
      const rows = g.channels * g.kernelH * g.kernelW, P = entries / rows;
      const images = Float32Array.from({ length: 2 + count * stride }, () => random() * 2 - 1);
      const batch = new Float32Array(1 + count * entries).fill(Number.NaN);
      im2col(images, 2, g, batch, 1, count, stride);
      for (let n = 0; n < count; n++) {
        const single = unfoldByDefinition(images.subarray(2 + n * stride), g);
        for (let r = 0; r < rows; r++) {
          expect([...batch.subarray(1 + r * count * P + n * P, 1 + r * count * P + (n + 1) * P)]).toEqual([...single.subarray(r * P, (r + 1) * P)]);
        }
      }
      // Folding the batch gives each image what folding its own columns gives; the gaps between images stay untouched.
      const folded = new Float32Array(2 + count * stride).fill(Number.NaN);
      col2im(batch, 1, g, folded, 2, count, stride);
      for (let n = 0; n < count; n++) {
        const own = new Float32Array(entries);
        for (let r = 0; r < rows; r++) own.set(batch.subarray(1 + r * count * P + n * P, 1 + r * count * P + (n + 1) * P), r * P);
        const single = new Float32Array(imageFloats);
        col2imTs(own, 0, g, single, 0);
        expect([...folded.subarray(2 + n * stride, 2 + n * stride + imageFloats)]).toEqual([...single]);
        expect(Number.isNaN(folded[2 + n * stride + imageFloats]!)).toBe(true);
      }
    });
  }

  it("gives the same columns under the auto and ts backends", () => {
    const g = GEOMETRIES[0]!;
    const image = Float32Array.from({ length: g.channels * g.height * g.width }, () => random());
    const viaWasm = new Float32Array(columnEntries(g)), viaTs = new Float32Array(columnEntries(g));
    setGemmBackend("auto");
    im2col(image, 0, g, viaWasm, 0);
    setGemmBackend("ts");
    im2col(image, 0, g, viaTs, 0);
    expect([...viaWasm]).toEqual([...viaTs]);
    const reference = new Float32Array(columnEntries(g));
    im2colTs(image, 0, g, reference, 0);
    expect([...viaTs]).toEqual([...reference]);
  });
});
