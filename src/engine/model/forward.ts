/**
 * The forward pass of a model on the engine, a plain sequence of kernel calls (llm.c style), for
 * training, prefill and single-token decode: the token embedding, each layer (layer/decoder.ts:
 * pre-norm attention and SwiGLU blocks with residuals, paper equation (4)), the final RMSNorm and
 * the LM head. Activations are token-major, N = B·T rows; logits end up in `mem.logits` [N, V].
 */
import { gemmPtr } from '../gemm.js';
import { embeddingFwdPtr, rmsnormFwdPtr } from '../kernels/index.js';
import { attentionScalars, type CacheUse } from '../layer/attention-block.js';
import { layerForward } from '../layer/decoder.js';
import type { EngineModelState } from './state.js';

/** How a forward runs: over a whole sequence (training/prefill) or one new position (decode). */
export type ForwardMode =
  | { kind: 'sequence'; B: number; T: number; fillCache: boolean }
  | { kind: 'decode'; B: number; pos: number };

/** Runs the layers and the head on the ids already in `mem.ids`; leaves logits in `mem.logits`. */
export function forward(s: EngineModelState, mode: ForwardMode): void {
  const { wasm, config: c, mem } = s;
  const T = mode.kind === 'sequence' ? mode.T : 1;
  const N = mode.B * T, C = c.dModel;
  embeddingFwdPtr(wasm, mem.ids, s.param('embed.weight'), s.acts(0).x, N, c.vocabSize, C);
  for (let l = 0; l < c.numLayers; l++) {
    const layer = s.layer(l, mode.B, T);
    const maxT = s.limits.maxContext;
    const cache: CacheUse = mode.kind === 'decode' ? { kind: 'decode', kCache: mem.kCache[l], vCache: mem.vCache[l], maxT, pos: mode.pos }
      : mode.fillCache ? { kind: 'fill', kCache: mem.kCache[l], vCache: mem.vCache[l], maxT } : { kind: 'none' };
    layerForward(layer, attentionScalars(layer), cache);
  }
  rmsnormFwdPtr(wasm, mem.xF, s.param('norm.weight'), mem.nF, mem.rstdF, N, C, c.normEps);
  gemmPtr(wasm, 'nt', mem.nF, s.headWeight(), mem.logits, N, c.vocabSize, C, false, mem.gemmScratch);
}
