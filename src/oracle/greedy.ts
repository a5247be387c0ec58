/**
 * Greedy decoding as the DiffLlama golden files define it: starting from a prompt, run the full
 * forward on prompt + tokens so far (no cache), append argmax of the last position's logits, repeat.
 */

export interface GreedyRun {
  tokens: number[];
  /** The last position's logits at each step: [steps, V] row-major. */
  stepLogits: Float64Array;
  /** top-1 − top-2 logit at each step: how close the choice was. */
  margins: number[];
}

/** `lastLogits(sequence)` returns the logits of the sequence's last position (length V). */
export function greedyDecode(prompt: readonly number[], steps: number, lastLogits: (seq: number[]) => ArrayLike<number>): GreedyRun {
  const seq = [...prompt];
  const rows: number[][] = [];
  const tokens: number[] = [];
  const margins: number[] = [];
  for (let s = 0; s < steps; s++) {
    const logits = Array.from(lastLogits(seq));
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    const runnerUp = Math.max(...logits.filter((_, v) => v !== best));
    rows.push(logits);
    tokens.push(best);
    margins.push(logits[best] - runnerUp);
    seq.push(best);
  }
  return { tokens, stepLogits: Float64Array.from(rows.flat()), margins };
}
