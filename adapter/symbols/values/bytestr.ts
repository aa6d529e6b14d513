// gdb's Rust rendering of a pointer or reference to a u8 array (`&[u8; N]`, `*mut [u8; N]`):
// the address, then the bytes as a byte string, `0x… b"\177\003", '\000' <repeats 22 times>...`.
import { formatCharRun } from './format';
import { MemoryError, readExact, type MemoryReader } from './read';
import { strip, type TypeInfo } from './types';

/** The array length when `target` is a one-dimensional Rust `[u8; N]` (gdb's rust_u8_type_p:
 *  an unsigned 1-byte integer, so not i8, not bool, not a char type); undefined otherwise. */
export function rustByteArrayLength(target: TypeInfo): number | undefined {
  const t = strip(target);
  if (t.kind !== 'array' || !t.rust || t.counts.length !== 1 || t.counts[0] === undefined) return undefined;
  const e = strip(t.element);
  return e.kind === 'base' && e.encoding === 'unsigned' && e.size === 1 ? t.counts[0] : undefined;
}

/**
 * `b"…"` for the `length` bytes at `addr`, as gdb's val_print_string with a known length: at most
 * `limit` bytes are read (NULs included, none dropped), repeat runs count at their full length,
 * `...` when the array is longer than what was read, and `<error: …>` after what could be read.
 */
export async function formatByteString(addr: bigint, length: number, read: MemoryReader, limit: number): Promise<string> {
  const want = Math.min(length, limit);
  const codes: number[] = [];
  let error: MemoryError | undefined;
  try {
    try {
      codes.push(...await readExact(read, addr, want));
    } catch (e) {
      if (!(e instanceof MemoryError)) throw e;
      // partly readable (the end of a mapping): take bytes one by one up to the first bad one
      for (let i = 0; i < want; i++) codes.push(...await readExact(read, addr + BigInt(i), 1));
    }
  } catch (e) {
    if (!(e instanceof MemoryError)) throw e;
    error = e;
  }
  const text = error && codes.length === 0 ? '' : formatCharRun(codes, error !== undefined || length > want);
  return `b${text}${error ? `<error: ${error.message}>` : ''}`;
}
