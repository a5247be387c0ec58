/**
 * Detection of repeated object keys in JSON text.
 *
 * `JSON.parse` keeps the last of two equal keys without a word, so `{"w": A, "w": B}` would load
 * B and hide A; a safetensors header with that shape is ambiguous and is rejected. The scan walks
 * the text once with an explicit stack (no recursion), and compares keys after unescaping, so
 * `"a"` and `"\u0061"` count as the same key.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** A repeated key and the keys of the objects enclosing it, outermost first. */
export interface DuplicateKey {
  key: string;
  path: string[];
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index of the closing quote of the string literal opening at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text.charCodeAt(i) !== QUOTE) i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
  return i;
}

/**
 * The first key that repeats within one object of `text`, or undefined. `text` must already have
 * been accepted by `JSON.parse`; on other input the result is meaningless but the scan still ends.
 */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  // One frame per open container: its key set (null for arrays) and the key it sits under.
  const keys: (Set<string> | null)[] = [];
  const path: string[] = [];
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const set = keys[keys.length - 1];
      let j = end + 1;
      while (j < text.length && isJsonSpace(text.charCodeAt(j))) j++;
      if (set && text.charCodeAt(j) === COLON) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (set.has(key)) return { key, path: path.slice(1) };
        set.add(key);
        lastKey = key;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const parentIsObject = keys.length > 0 && keys[keys.length - 1] !== null;
      path.push(parentIsObject ? lastKey : (path[path.length - 1] ?? ''));
      keys.push(c === OPEN_OBJECT ? new Set() : null);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      keys.pop();
      path.pop();
    }
  }
  return undefined;
}
