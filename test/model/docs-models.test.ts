/**
 * docs/models.md stays true: its example config.json files load as the flavours they claim and
 * describe one model, as the page says, and its usage example runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportModel } from '../../src/model/export.js';
import { detectLayout } from '../../src/model/folder.js';
import { parseDiffattnConfig } from '../../src/model/folder-config-diffattn.js';
import { parseOfficialConfig } from '../../src/model/folder-config-official.js';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import { randomModel } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(root, 'docs', 'models.md'), 'utf8');
const blocks = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]) as Record<string, unknown>);

describe('docs/models.md', () => {
  it('has one example config.json per flavour, in the order diffattn, official, diffllama', () => {
    expect(blocks.map((b) => detectLayout(b, 'docs'))).toEqual(['diffattn', 'official', 'diffllama']);
  });

  it('the three examples are one model, as saveModelFolder writes it', () => {
    const [diffattn, official, diffllama] = blocks;
    const { config } = parseDiffattnConfig(diffattn, 'docs');
    expect(parseOfficialConfig(official, 'docs').config).toEqual(config);
    const m = { ...randomModel(config, 1), tokenizer: new ByteTokenizer() };
    expect(exportModel(m, 'official', { tokenizer: m.tokenizer }).configJson).toEqual(official);
    expect(exportModel(m, 'diffllama', { tokenizer: m.tokenizer }).configJson).toEqual(diffllama);
  });

  it('the usage example runs', async () => {
    const dir = join(root, 'node_modules', '.cache', 'diffattn-docs');
    const code = /```ts\n([\s\S]*?)```/.exec(page)![1]
      .replace("'./src/model/index.js'", JSON.stringify(join(root, 'src', 'model', 'index.ts')))
      .replace("'out/tiny'", JSON.stringify(join(dir, 'tiny')))
      .replace("'test/fixtures", `'${join(root, 'test', 'fixtures')}`);
    const file = join(dir, 'models-example.ts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${code}\nexport { run };\n`);
    const { run } = await import(file);
    expect(run.tokens).toHaveLength(8);
  });
});
