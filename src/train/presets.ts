/**
 * Named model sizes for `diffattn train --preset` (byte vocabulary). Each names DIFF V1's size;
 * `pairedConfigs` derives the baseline and V2 from it. FFN widths are ≈ 8/3 · d_model (SwiGLU's
 * usual ratio) rounded to a multiple of 16.
 */
import type { ModelSize } from './paired.js';

/** A size without the vocabulary and context, which come from the data. */
export type PresetSize = Omit<ModelSize, 'vocabSize' | 'maxContext'>;

export const PRESETS = {
  /** 0.13 M parameters (DIFF V1): the CLI's default run, a few minutes. */
  tiny: { dModel: 64, numLayers: 2, numHeads: 2, ffnHidden: 176 },
  /** 0.65 M parameters. */
  small: { dModel: 128, numLayers: 3, numHeads: 2, ffnHidden: 336 },
  /** 1.87 M parameters: the bundled Moby Dick models (3.7 MB in F16). */
  medium: { dModel: 192, numLayers: 4, numHeads: 3, ffnHidden: 512 },
} as const satisfies Record<string, PresetSize>;

export type PresetName = keyof typeof PRESETS;
