/**
 * The backward pass of a model on the engine: the forward's kernel sequence in reverse, each step
 * the transpose of its forward (y = x Wᵀ ⇒ dx = dy W, dW += dyᵀ x). The layers' backward is
 * layer/decoder.ts. Parameter gradients accumulate into the gradient block (zeroed by the caller
 * unless it accumulates micro-batches); dlogits are already in `mem.logits` (cross-entropy in place).
 */
import { gemmPtr } from '../gemm.js';
import { embeddingBwdPtr, rmsnormBwdPtr } from '../kernels/index.js';
import { attentionScalars } from '../layer/attention-block.js';
import { layerBackward } from '../layer/decoder.js';
import type { EngineModelState } from './state.js';

export function backward(s: EngineModelState, B: number, T: number): void {
  const { wasm, config: c, mem } = s;
  const N = B * T, C = c.dModel, V = c.vocabSize;
  // logits = nF Whᵀ, nF = RMSNorm(xF): dX becomes ∂L/∂xF, the last layer's output.
  gemmPtr(wasm, 'nn', mem.logits, s.headWeight(), mem.dTmp, N, C, V, false, mem.gemmScratch);
  gemmPtr(wasm, 'tn', mem.logits, mem.nF, s.headGrad(), V, C, N, true, mem.gemmScratch);
  rmsnormBwdPtr(wasm, mem.dTmp, mem.xF, s.param('norm.weight'), mem.rstdF, mem.dX, s.grad('norm.weight'), N, C);
  for (let l = c.numLayers - 1; l >= 0; l--) {
    const layer = s.layer(l, B, T);
    layerBackward(layer, attentionScalars(layer));
  }
  embeddingBwdPtr(wasm, mem.ids, mem.dX, s.grad('embed.weight'), N, V, C);
}
