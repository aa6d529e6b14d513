// Reads an lld link map (`-Wl,-Map`): which input object each output byte range came from,
// so a finding in the ELF can be attributed to our crate or to the precompiled libraries.

export interface InputSection {
  start: bigint;
  size: bigint;
  object: string;
  section: string;
}

/** Input-section lines look like `VMA LMA Size Align <indent>path/to/obj.o:(.text.name)`. */
export function parseLinkMap(text: string): InputSection[] {
  const out: InputSection[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+(\S.*):\((\S+)\)$/.exec(line);
    if (!m) continue;
    out.push({ start: BigInt('0x' + m[1]), size: BigInt('0x' + m[2]), object: m[3], section: m[4] });
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** The input section containing `addr`, if any. */
export function sectionAt(sections: InputSection[], addr: bigint): InputSection | undefined {
  let lo = 0;
  let hi = sections.length - 1;
  let best: InputSection | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sections[mid].start <= addr) {
      best = sections[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best && addr < best.start + best.size ? best : undefined;
}

/** Objects that come precompiled with the toolchain (core, alloc, compiler_builtins). */
export function isPrecompiled(object: string): boolean {
  return object.includes('/lib/rustlib/');
}
