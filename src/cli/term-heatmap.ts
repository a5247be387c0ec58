/**
 * A causal square matrix (an attention map, or the difference of two) drawn as text for a terminal:
 * one row per query token labelled with its position and token, one cell per key up to the query
 * (the masked triangle stays blank). On a colour terminal cells are 256-colour ANSI backgrounds;
 * elsewhere Unicode shades. When the tokens do not fit the width, the last ones are shown and the
 * header says so.
 */

export interface TermHeatmapOptions {
  title: string;
  /** One label per row (and column): the tokens. */
  labels: string[];
  /** Terminal columns available. */
  width: number;
  /** 256-colour backgrounds (for a TTY); otherwise shade characters. */
  color: boolean;
  /** Signed data: a scale symmetric about 0, negative and positive told apart. */
  signed?: boolean;
}

// Ink increases with magnitude, in quarters of the largest |v| shown (any non-zero value gets at
// least the first level, so small attention weights do not look masked); negatives use a different
// set so the sign shows without colour.
const POSITIVE = [' ', '░', '▒', '▓', '█'];
const NEGATIVE = [' ', '·', '-', '=', '≡'];
const LABEL_WIDTH = 10;
const RESET = '\x1b[0m';

/** values: [n, n] row-major (only col ≤ row is read) → the rendering, lines ending in '\n'. */
export function termHeatmap(values: ArrayLike<number>, n: number, opts: TermHeatmapOptions): string {
  const posWidth = String(n - 1).length;
  const labelWidth = Math.min(LABEL_WIDTH, Math.max(1, ...opts.labels.map((l) => [...l].length)));
  const avail = Math.max(1, opts.width - posWidth - labelWidth - 3);
  // Two characters per cell keep cells about square (a character is twice as tall as wide).
  const cell = 2 * n <= avail ? 2 : 1;
  const shown = Math.min(n, avail);
  const first = n - shown;

  let top = 0;
  for (let t = first; t < n; t++) for (let u = first; u <= t; u++) top = Math.max(top, Math.abs(values[t * n + u]));
  const scale = top > 0 ? top : 1;
  const draw = (v: number): string => {
    const level = Math.abs(v) / scale;
    if (!opts.color) return (v < 0 ? NEGATIVE : POSITIVE)[Math.ceil(level * 4)].repeat(cell);
    const background = colour(v, level, opts.signed ?? false);
    return background === null ? ' '.repeat(cell) : `\x1b[48;5;${background}m${' '.repeat(cell)}${RESET}`;
  };

  const lines = [`${opts.title}${first > 0 ? ` (the last ${shown} of ${n} tokens: the terminal is ${opts.width} columns wide)` : ''}`];
  for (let t = first; t < n; t++) {
    let row = `${String(t).padStart(posWidth)} ${fit(opts.labels[t], labelWidth)} │`;
    for (let u = first; u <= t; u++) row += draw(values[t * n + u]);
    lines.push(row.trimEnd());
  }
  lines.push(legend(opts, top, cell));
  return lines.join('\n') + '\n';
}

// 256-colour background of a value at `level` = |v| / max|v|, or null for the terminal's own
// background (v = 0): the grey ramp 237…255 for unsigned data (the darkest greys would vanish on a
// dark terminal); red (positive) and blue (negative) ramps of the 6×6×6 cube (16 + 36r + 6g + b)
// for signed data.
function colour(v: number, level: number, signed: boolean): number | null {
  if (!signed) return level === 0 ? null : 236 + Math.ceil(level * 19);
  const k = Math.ceil(level * 5);
  if (k === 0) return null;
  return v > 0 ? 16 + 36 * k : 16 + k;
}

function legend(opts: TermHeatmapOptions, top: number, cell: number): string {
  const max = top.toPrecision(3);
  if (opts.color) {
    const bar = (codes: number[]): string => codes.map((c) => `\x1b[48;5;${c}m${' '.repeat(cell)}`).join('') + RESET;
    return opts.signed
      ? `scale: −${max} ${bar([5, 4, 3, 2, 1].map((k) => 16 + k))} 0 ${bar([1, 2, 3, 4, 5].map((k) => 16 + 36 * k))} +${max}`
      : `scale: 0 ${bar([237, 242, 246, 251, 255])} ${max}`;
  }
  const quarters = [1, 2, 3, 4].map((q) => ((q * top) / 4).toPrecision(3)).join(', ');
  return opts.signed
    ? `scale: '${POSITIVE.slice(1).join('')}' positive, '${NEGATIVE.slice(1).join('')}' negative, |v| up to ${quarters}`
    : `scale: '${POSITIVE.slice(1).join('')}' up to ${quarters}`;
}

// Pads or cuts a label to `width` characters (code points), marking a cut with '…'.
function fit(label: string, width: number): string {
  const chars = [...label];
  return chars.length <= width ? label + ' '.repeat(width - chars.length) : chars.slice(0, width - 1).join('') + '…';
}
