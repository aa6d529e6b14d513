// Source paths as this machine has them: DWARF's `/rustc/<commit>/…` paths (Rust's core/alloc/std)
// map into the local toolchain's rust-src when it is the very rustc that built the kernel;
// sources that exist nowhere are marked (deemphasized, no path) so VS Code neither offers to open
// them nor tries to.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';

/** The installed rustc: its commit and, when the rust-src component is installed, its sources. */
export interface RustToolchain { commit: string; srcRoot?: string }

export type ResolvedSource =
  | { kind: 'disk'; path: string; mappedFrom?: string }
  | { kind: 'missing'; original: string; reason: string };

const RUSTC_PATH = /^\/rustc\/([0-9a-f]{7,40})\/(.+)$/;

function run(cmd: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise(resolve => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/** `rustc -vV` and `rustc --print sysroot`; undefined when rustc is not on PATH. */
export async function localRustToolchain(rustc = 'rustc', timeoutMs = 5000): Promise<RustToolchain | undefined> {
  const [version, sysroot] = await Promise.all([run(rustc, ['-vV'], timeoutMs), run(rustc, ['--print', 'sysroot'], timeoutMs)]);
  const commit = /^commit-hash:\s*([0-9a-f]+)\s*$/m.exec(version ?? '')?.[1];
  if (!commit) return undefined;
  const root = sysroot ? path.join(sysroot.trim(), 'lib', 'rustlib', 'src', 'rust') : undefined;
  return { commit, srcRoot: root && fs.existsSync(path.join(root, 'library')) ? root : undefined };
}

export class SourcePaths {
  private toolchain: Promise<RustToolchain | undefined> | undefined;
  private readonly exists = new Map<string, boolean>();

  constructor(private readonly findToolchain: () => Promise<RustToolchain | undefined> = () => localRustToolchain()) {}

  private onDisk(p: string): boolean {
    let e = this.exists.get(p);
    if (e === undefined) {
      try { e = fs.statSync(p).isFile(); } catch { e = false; }
      this.exists.set(p, e);
    }
    return e;
  }

  private rust(): Promise<RustToolchain | undefined> {
    this.toolchain ??= this.findToolchain().catch(() => undefined);
    return this.toolchain;
  }

  /** Where `p` (a path from the debug info) is on this machine, or why it is nowhere. */
  async resolve(p: string): Promise<ResolvedSource> {
    const m = RUSTC_PATH.exec(p);
    if (!m) return this.onDisk(p) ? { kind: 'disk', path: p } : { kind: 'missing', original: p, reason: 'not on disk' };
    const [, hash, rest] = m;
    const tc = await this.rust();
    if (!tc) return { kind: 'missing', original: p, reason: 'Rust library source; no rustc found to map it' };
    if (!tc.commit.startsWith(hash) && !hash.startsWith(tc.commit)) {
      return { kind: 'missing', original: p, reason: `built by rustc ${hash.slice(0, 9)}, the installed rustc is ${tc.commit.slice(0, 9)}` };
    }
    if (!tc.srcRoot) return { kind: 'missing', original: p, reason: 'rust-src is not installed (rustup component add rust-src)' };
    const local = path.join(tc.srcRoot, rest);
    return this.onDisk(local) ? { kind: 'disk', path: local, mappedFrom: p } : { kind: 'missing', original: p, reason: `not in ${tc.srcRoot}` };
  }

  /** A DAP Source: openable when on disk; otherwise no path (nothing to open), deemphasized, and
   *  the debug info's path with the reason as its origin. */
  async source(p: string): Promise<DebugProtocol.Source> {
    const r = await this.resolve(p);
    if (r.kind === 'disk') return { name: path.basename(r.path), path: r.path };
    return { name: path.basename(r.original), sourceReference: 0, presentationHint: 'deemphasize', origin: `${r.reason}: ${r.original}` };
  }

  /** loadedSources: the files that exist (or map) first, then the unavailable ones. */
  async loadedSources(files: readonly string[]): Promise<DebugProtocol.Source[]> {
    const all = await Promise.all([...new Set(files)].map(f => this.source(f)));
    return [...all.filter(s => s.path), ...all.filter(s => !s.path)];
  }

  /** The debug info's path for a file the user opened: a mapped rust-src file goes back to
   *  `/rustc/<commit>/…` (for breakpoints); other paths are returned unchanged. */
  async toDebugPath(p: string): Promise<string> {
    const tc = await this.rust();
    if (!tc?.srcRoot) return p;
    const rel = path.relative(tc.srcRoot, p);
    return rel.startsWith('..') || path.isAbsolute(rel) ? p : `/rustc/${tc.commit}/${rel.split(path.sep).join('/')}`;
  }
}

/** One per process: the toolchain does not change while the adapter runs. */
export const sourcePaths = new SourcePaths();
