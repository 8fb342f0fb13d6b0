/**
 * im2col / col2im for 2-D convolution (Caffe's layout). For one image of
 * C x H x W, the column buffer has C*kh*kw rows and outH*outW columns: row
 * (c, i, j) holds, for each output position (y, x), the input pixel at
 * (y*sh - ph + i*dh, x*sw - pw + j*dw), or 0 outside the image.
 * col2im is the adjoint: it adds every column entry back onto its pixel.
 */

/** Geometry of one 2-D convolution window sweep. */
export interface ConvGeometry {
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  padH: number;
  padW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
}

/** Output size of a sweep along one axis (floor rounding, as Caffe's convolution). */
export function convOutputSize(size: number, kernel: number, pad: number, stride: number, dilation: number): number {
  const extent = dilation * (kernel - 1) + 1;
  return Math.floor((size + 2 * pad - extent) / stride) + 1;
}

/** Unfold image data[off..] into col[colOff..]. */
export function im2col(data: Float32Array, off: number, g: ConvGeometry, col: Float32Array, colOff: number): void {
  sweep(data, off, g, col, colOff, true);
}

/** Fold col[colOff..] back into image data[off..]: data is overwritten with the sum of its column entries. */
export function col2im(col: Float32Array, colOff: number, g: ConvGeometry, data: Float32Array, off: number): void {
  data.fill(0, off, off + g.channels * g.height * g.width);
  sweep(data, off, g, col, colOff, false);
}

/** Visit every (column entry, pixel) pair: copy pixel -> entry (toCol, 0 outside) or add entry -> pixel. */
function sweep(data: Float32Array, off: number, g: ConvGeometry, col: Float32Array, colOff: number, toCol: boolean): void {
  const outH = convOutputSize(g.height, g.kernelH, g.padH, g.strideH, g.dilationH);
  const outW = convOutputSize(g.width, g.kernelW, g.padW, g.strideW, g.dilationW);
  let o = colOff;
  for (let c = 0; c < g.channels; c++) {
    const plane = off + c * g.height * g.width;
    for (let ki = 0; ki < g.kernelH; ki++) {
      for (let kj = 0; kj < g.kernelW; kj++) {
        let y = ki * g.dilationH - g.padH;
        for (let oy = 0; oy < outH; oy++, y += g.strideH) {
          if (y < 0 || y >= g.height) {
            if (toCol) col.fill(0, o, o + outW);
            o += outW;
            continue;
          }
          const row = plane + y * g.width;
          let x = kj * g.dilationW - g.padW;
          if (toCol) {
            for (let ox = 0; ox < outW; ox++, x += g.strideW) col[o++] = x >= 0 && x < g.width ? data[row + x]! : 0;
          } else {
            for (let ox = 0; ox < outW; ox++, x += g.strideW, o++) if (x >= 0 && x < g.width) data[row + x] += col[o]!;
          }
        }
      }
    }
  }
}
