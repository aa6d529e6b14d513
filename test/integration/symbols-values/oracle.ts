// gdb oracle for the symbols-values tests: builds the C fixture with gcc in a temp dir, stops it
// under `gdb -batch` at a marker line, and loads gdb's dump (registers, frames, locals, memory).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const FIXTURE_DIR = resolve(__dirname, '../../fixtures/symbols-values');

export interface GdbFrame { pc: bigint; name: string | null; sp: bigint; inline: boolean; locals?: string; args?: string }

export interface GdbDump {
  regs: Map<number, bigint>;
  frames: GdbFrame[];
  locals: string;
  args: string;
  globals: Record<string, string>;
  memory: { start: bigint; bytes: Uint8Array; name: string }[];
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  lastOutput = r.stdout + r.stderr;
  return r.stdout;
}
let lastOutput = '';

/** Line number of the unique `#BP:name` marker in a fixture source (fails if absent or twice). */
export function markerLine(source: string, name: string): number {
  const lines = readFileSync(join(FIXTURE_DIR, source), 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(`#BP:${name}`) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`marker #BP:${name} found ${hits.length} times in ${source}`);
  return hits[0];
}

export class Fixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'exo-symvals-'));
  cleanup(): void { rmSync(this.dir, { recursive: true, force: true }); }

  /** Compiles `source` with gcc 12 (static, non-PIE so addresses are the linked ones). */
  compile(source: string, opt: string, out: string): string {
    const exe = join(this.dir, out);
    run('gcc', [...opt.split(' '), '-g', '-static', '-no-pie', '-o', exe, join(FIXTURE_DIR, source)]);
    return exe;
  }

  /** Compiles a Rust fixture with rustc -g, non-PIE (`relocation-model=static`, as the kernel). */
  compileRust(source: string, opt: string, out: string): string {
    const exe = join(this.dir, out);
    run('rustc', ['-g', '-C', `opt-level=${opt}`, '-C', 'relocation-model=static', '-o', exe, join(FIXTURE_DIR, source)]);
    return exe;
  }

  /** Runs `exe` under gdb to `source:line` and returns gdb's view of the stop. */
  gdbDump(exe: string, source: string, line: number, globals: string[] = []): GdbDump {
    const outFile = join(this.dir, `dump-${line}-${Date.now()}.json`);
    run('gdb', ['-batch', '-nx', '-ex', `break ${source}:${line}`, '-ex', 'run', '-x', join(FIXTURE_DIR, 'dump.py'), exe],
      { EXO_DUMP_OUT: outFile, EXO_GLOBALS: globals.join(',') });
    return this.loadDump(outFile);
  }

  /** Attaches gdb to a QEMU gdbstub, continues to `source:line`, dumps `regions` of memory. */
  async gdbDumpRemote(exe: string, port: number, source: string, line: number, globals: string[], regions: { start: bigint; length: number }[]): Promise<GdbDump> {
    const outFile = join(this.dir, `dump-remote-${line}-${Date.now()}.json`);
    const env = { ...process.env, EXO_DUMP_OUT: outFile, EXO_GLOBALS: globals.join(','),
      EXO_REGIONS: regions.map(r => `${r.start.toString(16)}:${r.length.toString(16)}`).join(',') };
    const args = ['-batch', '-nx', '-ex', 'set pagination off', '-ex', `target remote 127.0.0.1:${port}`,
      '-ex', `break ${source}:${line}`, '-ex', 'continue', '-x', join(FIXTURE_DIR, 'dump.py'), '-ex', 'kill', exe];
    lastOutput = await new Promise<string>((resolve) => {
      execFile('gdb', args, { env, timeout: 150_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (_e, so, se) => resolve(String(so) + String(se)));
    });
    return this.loadDump(outFile);
  }

  private loadDump(outFile: string): GdbDump {
    if (!existsSync(outFile)) throw new Error(`gdb wrote no dump; its output:\n${lastOutput.slice(-2000)}`);
    const raw = JSON.parse(readFileSync(outFile, 'utf8')) as {
      regs: Record<string, string>; frames: { pc: string; name: string | null; sp: string; inline: boolean; locals?: string; args?: string }[];
      locals: string; args: string; globals: Record<string, string>; memory: { start: string; hex: string; name: string }[];
    };
    return {
      regs: new Map(Object.entries(raw.regs).map(([k, v]) => [Number(k), BigInt(v)])),
      frames: raw.frames.map(f => ({ ...f, pc: BigInt(f.pc), sp: BigInt(f.sp) })),
      locals: raw.locals, args: raw.args, globals: raw.globals,
      memory: raw.memory.map(m => ({ start: BigInt(m.start), name: m.name, bytes: new Uint8Array(Buffer.from(m.hex, 'hex')) })),
    };
  }
}

/** A memory reader over gdb's dumped mappings (adjacent ones join); reads past them come back short. */
export function memoryReader(dump: GdbDump): (addr: bigint, len: number) => Promise<Uint8Array> {
  const regions = [...dump.memory].sort((a, b) => (a.start < b.start ? -1 : 1));
  return async (addr, len) => {
    const out: number[] = [];
    let at = addr;
    while (out.length < len) {
      const m = regions.find(r => at >= r.start && at < r.start + BigInt(r.bytes.length));
      if (!m) break;
      const off = Number(at - m.start);
      const piece = m.bytes.subarray(off, Math.min(off + len - out.length, m.bytes.length));
      out.push(...piece);
      at += BigInt(piece.length);
    }
    return Uint8Array.from(out);
  };
}

/** Section bytes and address from `readelf -SW` (test-side only: independent of our reader). */
export function sectionOf(exe: string, name: string): { address: bigint; bytes: Uint8Array } | undefined {
  const text = run('readelf', ['-SW', exe]);
  for (const line of text.split('\n')) {
    const m = /\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
    if (m && m[1] === name) {
      const off = parseInt(m[3], 16), size = parseInt(m[4], 16);
      const file = readFileSync(exe);
      return { address: BigInt('0x' + m[2]), bytes: new Uint8Array(file.buffer, file.byteOffset + off, size) };
    }
  }
  return undefined;
}

/** Function symbols from `nm`, for naming pcs (test-side only). */
export function functionNamer(exe: string): (pc: bigint) => string | undefined {
  const syms = run('nm', ['-n', '--defined-only', exe]).split('\n').flatMap(l => {
    const m = /^([0-9a-f]+)\s+[tTwW]\s+(\S+)$/.exec(l);
    return m ? [{ addr: BigInt('0x' + m[1]), name: m[2] }] : [];
  });
  return pc => {
    let best: string | undefined;
    for (const s of syms) { if (s.addr <= pc) best = s.name; else break; }
    return best;
  };
}
