/**
 * Deconvolution: the adjoint of Convolution in x. Weights [C_in, num_output / group, kh, kw],
 * bias [num_output]. Output size s(H - 1) + d(k - 1) + 1 - 2p. Forward, per sample and group:
 *   y = col2im(W_g^T * x_g) (+ b ⊗ 1).
 * Gradients: db += Σ dy,  dW_g += x_g * im2col(dy)_g^T,  dx_g = W_g * im2col(dy)_g.
 */
import { convolutionFamily } from "./conv-common.js";

export const deconvolutionLayer = convolutionFamily("Deconvolution", true);
