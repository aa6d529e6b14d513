// Rust "legacy" symbol demangling (`_ZN` len-prefixed path `E`, trailing `17h<16 hex>` hash):
// the fallback used when the WebAssembly demangler is unavailable.

const ESCAPES: Record<string, string> = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

function unescapeSegment(s: string): string {
  let out = '';
  let i = s.startsWith('_$') ? 1 : 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '$') {
      const end = s.indexOf('$', i + 1);
      if (end < 0) return s; // not a valid escape: keep the segment as is
      const code = s.slice(i + 1, end);
      if (ESCAPES[code] !== undefined) out += ESCAPES[code];
      else if (/^u[0-9a-f]{1,6}$/.test(code)) out += String.fromCodePoint(parseInt(code.slice(1), 16));
      else return s;
      i = end + 1;
    } else if (ch === '.' && s[i + 1] === '.') {
      out += '::';
      i += 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Demangles a legacy Rust symbol without its hash; undefined if `name` is not one. */
export function demangleRustLegacy(name: string): string | undefined {
  let s = name;
  if (s.startsWith('__ZN')) s = s.slice(1);
  if (!s.startsWith('_ZN')) return undefined;
  let i = 3;
  const parts: string[] = [];
  while (i < s.length && s[i] !== 'E') {
    const m = /^[0-9]+/.exec(s.slice(i, i + 10));
    if (!m) return undefined;
    const len = Number(m[0]);
    i += m[0].length;
    if (len === 0 || i + len > s.length) return undefined;
    parts.push(s.slice(i, i + len));
    i += len;
  }
  if (s[i] !== 'E' || parts.length === 0) return undefined;
  if (i + 1 < s.length && s[i + 1] !== '.') return undefined; // C++ parameters follow: not Rust
  // `.llvm.1234` style suffixes after E are dropped, as rustc-demangle does
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts.map(unescapeSegment).join('::');
}
