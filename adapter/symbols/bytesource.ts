// ByteSource: how the symbol reader receives a binary (a file, a buffer in a test). The reader
// never does I/O beyond `read`, so every parser can be fed byte arrays.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ExoError } from '../common/errors';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads `length` bytes at `offset`; throws a 'protocol' ExoError if the range is outside. */
  read(offset: number, length: number): Uint8Array;
  /** A label for errors ("vmlinux", "<buffer>"). */
  readonly name: string;
  /** Optional: reads into `into` (no allocation), so scans can reuse one buffer. */
  readInto?(offset: number, into: Uint8Array): void;
  close?(): void;
}

function checkRange(src: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > src.size) {
    throw new ExoError('protocol', `${src.name}: read of ${length} byte(s) at file offset 0x${offset.toString(16)} is outside the file (${src.size} bytes); the file is truncated or corrupt`);
  }
}

/** A ByteSource over bytes already in memory. */
export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(readonly bytes: Uint8Array, readonly name = '<buffer>') { this.size = bytes.length; }
  read(offset: number, length: number): Uint8Array {
    checkRange(this, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
  readInto(offset: number, into: Uint8Array): void { into.set(this.read(offset, into.length)); }
}

/** A ByteSource over a file, read on demand with positioned reads (no whole-file load). */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;
  constructor(readonly name: string) {
    try {
      this.fd = openSync(name, 'r');
    } catch (e) {
      throw new ExoError('user', `cannot open ${name}: ${(e as Error).message}; check the path of the ELF file`);
    }
    this.size = fstatSync(this.fd).size;
  }
  read(offset: number, length: number): Uint8Array {
    const out = Buffer.allocUnsafe(length);
    this.readInto(offset, out);
    return new Uint8Array(out.buffer, out.byteOffset, length);
  }
  readInto(offset: number, into: Uint8Array): void {
    const length = into.length;
    checkRange(this, offset, length);
    if (this.fd === undefined) throw new ExoError('internal', `${this.name} was closed`);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, into, done, length - done, offset + done);
      if (n <= 0) throw new ExoError('protocol', `${this.name}: unexpected end of file at 0x${(offset + done).toString(16)}`);
      done += n;
    }
  }
  close(): void {
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
  }
}
