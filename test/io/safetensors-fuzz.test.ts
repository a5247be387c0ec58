/**
 * Fuzzing the reader: valid files from the writer, then damaged at the byte level (bit flips,
 * overwrites, truncation, appended bytes) or at the header level (swapped offsets, changed dtype or shape,
 * injected `__proto__`, duplicated or dropped keys). Whatever the damage, the reader must return a
 * sound result or throw a DiffAttnError; any other outcome fails. `npm run fuzz` runs 20000 cases.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { DiffAttnError } from '../../src/errors.js';
import { readSafetensors, writeSafetensors, type SafetensorsFile } from '../../src/io/index.js';
import { expectNoPollution, expectSound, metadataArb, parseHeader, tensorsArb } from './helpers.js';

type Header = Record<string, unknown>;
type Entry = { dtype: unknown; shape: unknown; data_offsets: unknown };
type HeaderEdit = (header: Header, name: string, pick: number) => void;

/** Values a hostile header might put anywhere a number, string or array is expected. */
const junk = fc.oneof(
  fc.integer({ min: -3, max: 64 }), fc.constantFrom(2 ** 53, 2 ** 64, -0, 1.5, NaN, null, '', 'F32', [], {}, true),
  fc.array(fc.integer({ min: -2, max: 2 ** 20 }), { maxLength: 4 }),
);

const entryOf = (header: Header, name: string) => Object.getOwnPropertyDescriptor(header, name)?.value as Entry;

const headerEdits: Record<string, (v: unknown) => HeaderEdit> = {
  swapOffsets: () => (h, name) => {
    const e = entryOf(h, name);
    e.data_offsets = [...(e.data_offsets as number[])].reverse();
  },
  shiftOffsets: (v) => (h, name) => {
    const e = entryOf(h, name);
    e.data_offsets = (e.data_offsets as number[]).map((o) => o + (typeof v === 'number' ? v : 1));
  },
  setOffsets: (v) => (h, name) => { entryOf(h, name).data_offsets = v; },
  setDtype: (v) => (h, name, pick) => {
    entryOf(h, name).dtype = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'U8', 'BOOL', 'I8', 'U16', v][pick % 11];
  },
  setShape: (v) => (h, name) => { entryOf(h, name).shape = v; },
  // Consistent on its own, but leaves the rest of the tensor's bytes to no one: a gap.
  shrinkToScalar: () => (h, name) => {
    const e = entryOf(h, name);
    const [begin, end] = e.data_offsets as number[];
    const size = (end - begin) / Math.max(1, (e.shape as number[]).reduce((a, b) => a * b, 1));
    e.shape = [];
    e.data_offsets = [begin, begin + size];
  },
  growShape: (v) => (h, name) => { entryOf(h, name).shape = [...(entryOf(h, name).shape as number[]), v]; },
  dropField: () => (h, name, pick) => { delete (entryOf(h, name) as Partial<Entry>)[(['dtype', 'shape', 'data_offsets'] as const)[pick % 3]]; },
  addField: (v) => (h, name) => { Object.assign(entryOf(h, name), { extra: v }); },
  replaceEntry: (v) => (h, name) => { Object.defineProperty(h, name, { value: v, enumerable: true }); },
  setMetadata: (v) => (h) => { Object.defineProperty(h, '__metadata__', { value: v, enumerable: true }); },
};

/** Text-level edits, for what a JSON object cannot express: repeated and `__proto__` keys. */
const textEdits: Record<string, (text: string, name: string) => string> = {
  injectProto: (text) => `{"__proto__":{"polluted":"yes"},${text.slice(1)}`,
  injectProtoEntry: (text, name) => text.replace(`${JSON.stringify(name)}:{`, `${JSON.stringify(name)}:{"__proto__":{"polluted":1},`),
  duplicateName: (text, name) => {
    const start = text.indexOf(`${JSON.stringify(name)}:{`);
    const end = text.indexOf('}', start) + 1;
    return start < 0 ? text : `${text.slice(0, end)},${text.slice(start, end)}${text.slice(end)}`;
  },
  duplicateField: (text, name) => text.replace(`${JSON.stringify(name)}:{`, `${JSON.stringify(name)}:{"dtype":"U8",`),
};

type Mutation =
  | { kind: 'none' }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'overwrite'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'header'; edit: string; value: unknown; pick: number }
  | { kind: 'text'; edit: string; pick: number };

const position = fc.nat({ max: 2 ** 20 });
// Header edits get the most weight: most random byte damage only breaks the JSON syntax.
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('header' as const), edit: fc.constantFrom(...Object.keys(headerEdits)), value: junk,
      pick: fc.nat() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), edit: fc.constantFrom(...Object.keys(textEdits)), pick: fc.nat() }) },
);

/** Replaces the header of a writer-made file, keeping its data section. */
function withHeaderText(bytes: Uint8Array, text: string): Uint8Array {
  const { dataStart } = parseHeader(bytes);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + bytes.length - dataStart);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(dataStart), 8 + json.length);
  return out;
}

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = bytes.slice();
  const { header } = parseHeader(bytes);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = m.kind === 'header' || m.kind === 'text' ? names[m.pick % Math.max(1, names.length)] : undefined;
  switch (m.kind) {
    case 'none':
      return out;
    case 'flip':
      out[m.at % out.length] ^= 1 << m.bit;
      return out;
    case 'overwrite':
      out[m.at % out.length] = m.value;
      return out;
    case 'truncate':
      return out.subarray(0, m.at % out.length);
    case 'append': {
      const longer = new Uint8Array(out.length + m.bytes.length);
      longer.set(out);
      longer.set(m.bytes, out.length);
      return longer;
    }
    case 'header':
      if (name === undefined && m.edit !== 'setMetadata') return out;
      headerEdits[m.edit](m.value)(header, name!, m.pick);
      return withHeaderText(bytes, JSON.stringify(header));
    case 'text':
      if (name === undefined) return out;
      return withHeaderText(bytes, textEdits[m.edit](JSON.stringify(header), name));
  }
}

const runs = Number(process.env.FUZZ_RUNS ?? 300);

test(`fuzz: a damaged file reads soundly or throws DiffAttnError (${runs} runs)`, () => {
  const outcomes = { sound: 0, rejected: 0 };
  const started = performance.now();
  fc.assert(fc.property(tensorsArb, metadataArb, mutationArb, (tensors, metadata, mutation) => {
    const bytes = mutate(writeSafetensors(tensors, metadata), mutation);
    let file: SafetensorsFile;
    try {
      file = readSafetensors(bytes);
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(DiffAttnError);
      expect(['format', 'dtype']).toContain((e as DiffAttnError).code);
      outcomes.rejected++;
      expectNoPollution();
      return;
    }
    expectSound(file, bytes);
    if (mutation.kind === 'none') expect(file.tensors.size).toBe(tensors.size);
    expectNoPollution();
    outcomes.sound++;
  }), { numRuns: runs });
  const seconds = (performance.now() - started) / 1000;
  console.log(`fuzz: ${runs} cases in ${seconds.toFixed(2)} s (${Math.round(runs / seconds)} cases/s);`
    + ` ${outcomes.sound} read soundly, ${outcomes.rejected} rejected`);
  // Both branches must be exercised, or the fuzzer is not testing what it claims.
  expect(outcomes.sound).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
});
