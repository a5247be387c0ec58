/** Locations inside the installed package, found from this module's own URL (works from src/ and dist/). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding diffattn's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'diffattn') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('diffattn: cannot find the package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The golden vectors shipped with the package (copies of the official-code vectors). */
export function bundledGoldenDir(): string {
  return join(packageRoot(), 'test', 'fixtures', 'golden');
}
