/**
 * Hugging Face `tokenizer.json` tokenizers (BPE, WordPiece, Unigram, with their normalizers,
 * pre-tokenizers, post-processors and decoders) through `@huggingface/tokenizers`, the official
 * pure-JS port: no network, no native code. This wrapper only adapts it to the `Tokenizer`
 * interface, resolves the special ids and turns the library's failures into `DiffAttnError`s.
 */
import { Tokenizer as HfCore } from '@huggingface/tokenizers';
import { DiffAttnError, check } from '../../errors.js';
import { incrementalDecoder } from './stream.js';
import { checkIds, type TextStream, type Tokenizer } from './tokenizer.js';

/**
 * The part of the library's `Tokenizer` used here. Its shipped declarations import their siblings
 * without file extensions, which `moduleResolution: nodenext` cannot follow, so the class arrives
 * typed `any`; this interface restores checking at the one place it is used.
 */
interface HfCoreApi {
  encode(text: string, opts: { add_special_tokens: boolean }): { ids: Array<number | undefined>; tokens: string[] };
  decode(ids: number[]): string;
  token_to_id(token: string): number | undefined;
  get_vocab(withAddedTokens: boolean): Map<string, number>;
}

export interface HfTokenizerOptions {
  /** Let the post-processor add special tokens (e.g. BOS) when encoding; default true, as HF. */
  addSpecialTokens?: boolean;
  /** Special ids when `tokenizer_config.json` does not name them (e.g. config.json's `bos_token_id`). */
  bosId?: number;
  eosId?: number;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  private readonly core: HfCoreApi;
  private readonly addSpecialTokens: boolean;

  /**
   * `json`: the parsed `tokenizer.json`; `config`: the parsed `tokenizer_config.json` (or `{}`).
   * Both are kept as given so a saved folder holds the same files.
   */
  constructor(readonly json: Record<string, unknown>, readonly config: Record<string, unknown> = {}, opts: HfTokenizerOptions = {}, source = 'tokenizer.json') {
    // The library reads a WordLevel model's unk token from tokenizer_config.json only; tokenizer.json has it too.
    const model = json.model as { type?: unknown; unk_token?: unknown } | undefined;
    const coreConfig = model?.type === 'WordLevel' && config.unk_token === undefined ? { ...config, unk_token: model.unk_token } : config;
    try {
      this.core = new HfCore(json, coreConfig) as HfCoreApi;
    } catch (e) {
      throw new DiffAttnError('format', `${source}: not a tokenizer this library can load (${(e as Error).message})`);
    }
    const ids = [...this.core.get_vocab(true).values()];
    check(ids.length > 0, 'format', () => `${source}: the vocabulary is empty`);
    this.vocabSize = Math.max(...ids) + 1;
    this.addSpecialTokens = opts.addSpecialTokens ?? true;
    this.bosId = this.specialId(config.bos_token, source) ?? opts.bosId;
    this.eosId = this.specialId(config.eos_token, source) ?? opts.eosId;
  }

  /** Parses the text of `tokenizer.json` (and of `tokenizer_config.json`, when there is one). */
  static fromText(tokenizerJson: string, configJson?: string, opts?: HfTokenizerOptions, source = 'tokenizer.json'): HfTokenizer {
    const parse = (text: string, name: string): Record<string, unknown> => {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        throw new DiffAttnError('format', `${name}: not valid JSON (${(e as Error).message})`);
      }
      check(typeof v === 'object' && v !== null && !Array.isArray(v), 'format', () => `${name}: expected a JSON object`);
      return v as Record<string, unknown>;
    };
    const config = configJson === undefined ? {} : parse(configJson, source.replace(/tokenizer\.json$/, 'tokenizer_config.json'));
    return new HfTokenizer(parse(tokenizerJson, source), config, opts, source);
  }

  encode(text: string): number[] {
    const { ids, tokens } = this.core.encode(text, { add_special_tokens: this.addSpecialTokens });
    // A piece with no id and no unk_token comes back as undefined: refuse rather than drop it.
    const bad = ids.findIndex((id) => id === undefined);
    check(bad < 0, 'value', () => `tokenizer: the piece ${JSON.stringify(tokens[bad])} has no id and the tokenizer defines no unk_token`);
    return ids as number[];
  }

  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, 'HfTokenizer.decode');
    return ids.length === 0 ? '' : this.core.decode([...ids]);
  }

  decodeStream(): TextStream {
    return incrementalDecoder((ids) => this.decode(ids));
  }

  // tokenizer_config.json names special tokens as strings or as {content: "..."} objects.
  private specialId(token: unknown, source: string): number | undefined {
    const content = typeof token === 'string' ? token
      : typeof token === 'object' && token !== null && typeof (token as { content?: unknown }).content === 'string' ? (token as { content: string }).content
        : undefined;
    if (content === undefined) return undefined;
    const id = this.core.token_to_id(content);
    check(id !== undefined, 'value', () => `${source}: special token ${JSON.stringify(content)} is not in the vocabulary`);
    return id;
  }
}
