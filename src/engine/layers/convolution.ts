/**
 * Convolution (2-D, groups, padding, stride, dilation), Caffe's im2col + GEMM.
 * Weights [num_output, C / group, kh, kw], bias [num_output] (bias_term, default true).
 * Forward, per sample n and group g:
 *   y_g = W_g * im2col(x_n)_g (+ b ⊗ 1), output size (H + 2p - (d(k-1)+1)) / s + 1 (floor).
 * Gradients:
 *   db += Σ_{n,p} dy,   dW_g += dy_g * im2col(x_n)_g^T,   dx_n = col2im(W_g^T * dy_g).
 */
import { convolutionFamily } from "./conv-common.js";

export const convolutionLayer = convolutionFamily("Convolution", false);
