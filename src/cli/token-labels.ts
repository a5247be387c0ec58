/**
 * Printable labels for single tokens, for axes and terminal rows: each id decoded on its own, with
 * whitespace and control characters made visible so that ' the' and 'the' and '\n' differ on screen.
 */
import type { Tokenizer } from '../model/index.js';

const VISIBLE: Record<string, string> = { ' ': '␣', '\n': '↵', '\t': '⇥', '\r': '␍' };

/**
 * One label per id: the token's text with spaces as ␣, newlines as ↵, tabs as ⇥, carriage returns
 * as ␍ and other control characters as \u escapes; `#id` when there is no tokenizer or the token is
 * not text on its own (a piece of a multi-byte character, which decodes to U+FFFD, or nothing).
 */
export function tokenLabels(ids: readonly number[], tokenizer: Tokenizer | null): string[] {
  return ids.map((id) => {
    const text = tokenizer ? tokenizer.decode([id]) : '';
    if (text === '' || text.includes('\uFFFD')) return `#${id}`;
    return [...text].map((ch) => VISIBLE[ch] ?? (/\p{Cc}/u.test(ch) ? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}` : ch)).join('');
  });
}
