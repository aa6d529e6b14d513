// A small XML reader for target descriptions: elements, attributes, text; skips the prolog,
// comments, DOCTYPE (with internal subset) and CDATA. Not a general XML parser on purpose:
// gdb target descriptions use only this subset.
import { ExoError } from '../../common/errors';

export interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string, where: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (_m, e: string) => {
    if (e.startsWith('#')) {
      const cp = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!(cp <= 0x10ffff)) throw bad(where, `character reference &${e}; out of range`);
      return String.fromCodePoint(cp);
    }
    const v = ENTITIES[e];
    if (v === undefined) throw bad(where, `unknown entity &${e};`);
    return v;
  });
}

function bad(where: string, why: string): ExoError {
  return new ExoError('protocol', `target description ${where}: ${why}`);
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ATTR = /\s+([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** Parses `text` (named `where` in errors) and returns the root element. */
export function parseXml(text: string, where: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipTo = (end: string) => {
    const j = text.indexOf(end, i);
    if (j < 0) throw bad(where, `unterminated construct (missing '${end}')`);
    i = j + end.length;
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (stack.length > 0) stack[stack.length - 1].text += decodeEntities(chunk, where);
    else if (chunk.trim() !== '') throw bad(where, 'text outside the root element');
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<?', i)) { skipTo('?>'); continue; }
    if (text.startsWith('<!--', i)) { skipTo('-->'); continue; }
    if (text.startsWith('<![CDATA[', i)) {
      const j = text.indexOf(']]>', i);
      if (j < 0) throw bad(where, 'unterminated CDATA');
      if (stack.length > 0) stack[stack.length - 1].text += text.slice(i + 9, j);
      i = j + 3;
      continue;
    }
    if (text.startsWith('<!DOCTYPE', i)) {
      const bracket = text.indexOf('[', i), close = text.indexOf('>', i);
      if (bracket >= 0 && (close < 0 || bracket < close)) { i = bracket; skipTo(']'); }
      skipTo('>');
      continue;
    }
    if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(text);
      if (!m) throw bad(where, `bad closing tag at ${i}`);
      const top = stack.pop();
      if (!top || top.name !== m[0]) throw bad(where, `'</${m[0]}>' does not close '${top?.name ?? 'nothing'}'`);
      i = NAME.lastIndex;
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text[i] !== '>') throw bad(where, `bad closing tag </${m[0]}`);
      i++;
      continue;
    }
    NAME.lastIndex = i + 1;
    const m = NAME.exec(text);
    if (!m) throw bad(where, `bad tag at offset ${i}`);
    const el: XmlElement = { name: m[0], attrs: new Map(), children: [], text: '' };
    i = NAME.lastIndex;
    for (;;) {
      ATTR.lastIndex = i;
      const a = ATTR.exec(text);
      if (!a) break;
      el.attrs.set(a[1], decodeEntities(a[3] ?? a[4], where));
      i = ATTR.lastIndex;
    }
    while (i < text.length && /\s/.test(text[i])) i++;
    const selfClose = text.startsWith('/>', i);
    if (!selfClose && text[i] !== '>') throw bad(where, `bad attribute syntax in <${el.name}>`);
    i += selfClose ? 2 : 1;
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else if (root) throw bad(where, 'more than one root element');
    else root = el;
    if (!selfClose) stack.push(el);
  }
  if (stack.length > 0) throw bad(where, `<${stack[stack.length - 1].name}> is not closed`);
  if (!root) throw bad(where, 'no root element');
  return root;
}
