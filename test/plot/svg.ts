/**
 * A small XML well-formedness checker for the SVG the plots write (Node has no XML parser): every
 * tag is well formed with quoted attributes, tags nest and close, text holds no raw '<' and only
 * XML's own entities. Returns the element tree so tests can count marks.
 */
import { expect } from 'vitest';

export interface SvgElement {
  name: string;
  attrs: Record<string, string>;
  children: SvgElement[];
  text: string;
}

const TAG = /^<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/;
const ATTR = /([\w:.-]+)="([^"<]*)"/g;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/** Parses `svg`, failing the test on the first malformed piece; → the root element. */
export function parseSvg(svg: string): SvgElement {
  const root: SvgElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    expect(ENTITY.test(text), `bad entity in text near ${JSON.stringify(text.slice(0, 40))}`).toBe(false);
    stack[stack.length - 1].text += text;
    if (lt < 0) break;
    const m = TAG.exec(svg.slice(lt, lt + 100_000));
    expect(m, `malformed tag at ${lt}: ${JSON.stringify(svg.slice(lt, lt + 60))}`).not.toBeNull();
    const [whole, closing, name, attrText, selfClosing] = m!;
    if (closing) {
      const open = stack.pop()!;
      expect(open.name, `</${name}> closes <${open.name}>`).toBe(name);
    } else {
      const attrs: Record<string, string> = {};
      for (const [, k, v] of attrText.matchAll(ATTR)) {
        expect(attrs[k], `duplicate attribute ${k} on <${name}>`).toBeUndefined();
        expect(ENTITY.test(v), `bad entity in attribute ${k}`).toBe(false);
        attrs[k] = v;
      }
      const el: SvgElement = { name, attrs, children: [], text: '' };
      stack[stack.length - 1].children.push(el);
      if (!selfClosing) stack.push(el);
    }
    i = lt + whole.length;
  }
  expect(stack.map((e) => e.name), 'unclosed elements').toEqual(['#document']);
  expect(root.children.map((e) => e.name), 'one <svg> root').toEqual(['svg']);
  return root.children[0];
}

/** Every element below `el` (depth first). */
export function descendants(el: SvgElement): SvgElement[] {
  return el.children.flatMap((c) => [c, ...descendants(c)]);
}

/** The marks vega drew for mark groups of `kind` ('rect', 'line', …): the children of each group, per group. */
export function markItems(svg: SvgElement, kind: string): SvgElement[][] {
  return descendants(svg)
    .filter((e) => e.name === 'g' && (e.attrs.class ?? '').startsWith(`mark-${kind} role-mark`))
    .map((g) => g.children);
}

/** All text content (titles, labels), entity-decoded. */
export function texts(svg: SvgElement): string[] {
  const decode = (s: string): string => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
  return descendants(svg).filter((e) => e.name === 'text').map((e) => decode(e.text));
}
