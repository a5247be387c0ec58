/**
 * The terminal heatmap and token labels: shade per cell from |v|/max|v| (rounded to the 4 levels),
 * the masked triangle blank, negative values in their own characters, 256-colour backgrounds when
 * asked, and the last tokens only (said in the title) when the width is too small.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { termHeatmap } from '../../src/cli/term-heatmap.js';
import { tokenLabels } from '../../src/cli/token-labels.js';
import { ByteTokenizer } from '../../src/model/index.js';

const ESC = '\x1b';

describe('termHeatmap', () => {
  it('draws the causal triangle with one shade per cell, two characters wide when it fits', () => {
    // Levels are quarters of the max 1, rounded up: 0.5 → level 2 ('▒'), 0.25 → level 1 ('░').
    const values = [1, 0, 0.5, 0.25];
    const out = termHeatmap(values, 2, { title: 'map', labels: ['a', 'b'], width: 80, color: false });
    expect(out.split('\n')).toEqual(['map', '0 a │██', '1 b │▒▒░░', "scale: '░▒▓█' up to 0.250, 0.500, 0.750, 1.00", '']);
  });

  it('tells signs apart without colour and uses a symmetric scale', () => {
    const out = termHeatmap([0.4, 9, -0.4, 0.1], 2, { title: 'diff', labels: ['x', 'y'], width: 80, color: false, signed: true });
    // The 9 above the diagonal is masked, so the scale is max|v| = 0.4 over the drawn cells.
    expect(out.split('\n').slice(1, 3)).toEqual(['0 x │██', '1 y │≡≡░░']);
    expect(out).toMatch(/'░▒▓█' positive, '·-=≡' negative, \|v\| up to 0\.100, 0\.200, 0\.300, 0\.400$/m);
  });

  it('uses 256-colour backgrounds on a colour terminal', () => {
    const out = termHeatmap([1, 0, 0.5, 0.5], 2, { title: 'map', labels: ['a', 'b'], width: 80, color: true });
    // Grey ramp 236 + ⌈level·19⌉: level 1 → 255, level 0.5 → 246.
    expect(out.split('\n')[1]).toBe(`0 a │${ESC}[48;5;255m  ${ESC}[0m`);
    expect(out.split('\n')[2]).toBe(`1 b │${ESC}[48;5;246m  ${ESC}[0m${ESC}[48;5;246m  ${ESC}[0m`);
    const signed = termHeatmap([-1, 0, 1, 0], 2, { title: 'd', labels: ['a', 'b'], width: 80, color: true, signed: true });
    // Blue 16 + 5 for −max, red 16 + 36·5 for +max, the terminal's background for 0.
    expect(signed.split('\n')[1]).toBe(`0 a │${ESC}[48;5;21m  ${ESC}[0m`);
    expect(signed.split('\n')[2]).toBe(`1 b │${ESC}[48;5;196m  ${ESC}[0m`);
  });

  it('fits any width: at most width columns per row, the last tokens when needed', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 20, max: 100 }), (n, width) => {
      const values = Array.from({ length: n * n }, (_, i) => ((i * 7919) % 13) / 13);
      const labels = Array.from({ length: n }, (_, i) => `tok${i}`);
      const lines = termHeatmap(values, n, { title: 't', labels, width, color: false }).split('\n').slice(1, -2);
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(width);
      expect(Number(lines[lines.length - 1].trim().split(' ')[0])).toBe(n - 1);
      const drawn = lines.length;
      const header = termHeatmap(values, n, { title: 't', labels, width, color: false }).split('\n')[0];
      if (drawn < n) expect(header).toBe(`t (the last ${drawn} of ${n} tokens: the terminal is ${width} columns wide)`);
      else expect(header).toBe('t');
    }));
  });
});

describe('tokenLabels', () => {
  it('makes whitespace visible and marks tokens that are not text on their own', () => {
    const ids = [...new TextEncoder().encode('a b\n\té')];
    // 'é' is two UTF-8 bytes: each alone decodes to U+FFFD, so it is labelled by id.
    expect(tokenLabels(ids, new ByteTokenizer())).toEqual(['a', '␣', 'b', '↵', '⇥', '#195', '#169']);
    expect(tokenLabels([0, 7], new ByteTokenizer())).toEqual(['\\u0000', '\\u0007']);
    expect(tokenLabels([3, 4], null)).toEqual(['#3', '#4']);
  });
});
