import { describe, expect, it } from 'vitest';
import { progress } from '../../src/cli/progress.js';

// A stream that records what is written; isTTY decides between the bar and plain lines.
function recorder(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 100, write: (s: string) => { chunks.push(s); return true; }, cursorTo: () => true, clearLine: () => true, moveCursor: () => true };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('progress', () => {
  it('writes plain lines with done/total and the fields when the stream is not a terminal', () => {
    const r = recorder(false);
    const p = progress('train', 4, { stream: r.stream, plainEvery: 0 });
    p.update(1, { loss: '2.50' });
    p.update(2, { loss: '2.10' });
    p.stop();
    const lines = r.text().trim().split('\n');
    // plainEvery 0: one line per update and one at stop.
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^train 1\/4 {2}loss 2\.50 {2}elapsed \d+ s, eta \d+ s$/);
    expect(lines[2]).toMatch(/^train 2\/4 {2}loss 2\.10/);
  });

  it('stays silent for runs shorter than the plain interval', () => {
    const r = recorder(false);
    const p = progress('verify', 3, { stream: r.stream, plainEvery: 3600 });
    p.update(1);
    p.update(3);
    p.stop();
    expect(r.text()).toBe('');
  });

  it('draws a bar with the label and counts on a terminal', () => {
    const r = recorder(true);
    const p = progress('verify', 12, { stream: r.stream });
    p.update(5, { file: 'a.safetensors' });
    p.stop();
    expect(r.text()).toContain('verify [');
    expect(r.text()).toContain('5/12');
    expect(r.text()).toContain('file a.safetensors');
  });

  it('reports nothing when disabled', () => {
    const r = recorder(true);
    const p = progress('x', 2, { stream: r.stream, enabled: false });
    p.update(2);
    p.stop();
    expect(r.text()).toBe('');
  });
});
