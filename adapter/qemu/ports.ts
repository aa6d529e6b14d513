// Loopback port helpers: pick a free port, and tell (without connecting) whether a given
// process listens on 127.0.0.1:port. Connecting to QEMU's gdbstub would stop a running VM.
import * as fs from 'node:fs/promises';
import * as net from 'node:net';

/** A port the kernel just handed out on 127.0.0.1; it is free now (a race remains: callers retry). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface ListenEntry { ip: string; port: number; inode: number }

/** Parses /proc/net/tcp text into its LISTEN sockets (IPv4 only; QEMU binds 127.0.0.1). */
export function parseProcNetTcp(text: string): ListenEntry[] {
  const out: ListenEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [ipHex, portHex] = f[1].split(':');
    if (!ipHex || !portHex || ipHex.length !== 8) continue;
    // The address is the in-memory u32, printed in host (little-endian) order.
    const ip = [6, 4, 2, 0].map(i => parseInt(ipHex.slice(i, i + 2), 16)).join('.');
    out.push({ ip, port: parseInt(portHex, 16), inode: Number(f[9]) });
  }
  return out;
}

/** Whether this platform lets us check listeners through /proc. */
export async function procNetAvailable(): Promise<boolean> {
  try { await fs.access('/proc/net/tcp'); return true; } catch { return false; }
}

/** The LISTEN sockets on `port`, from /proc/net/tcp. */
export async function listenersOn(port: number): Promise<ListenEntry[]> {
  const text = await fs.readFile('/proc/net/tcp', 'utf8');
  return parseProcNetTcp(text).filter(e => e.port === port);
}

/** Socket inodes open in process `pid` (empty if it is gone). */
export async function socketInodesOf(pid: number): Promise<Set<number>> {
  const inodes = new Set<number>();
  let fds: string[];
  try { fds = await fs.readdir(`/proc/${pid}/fd`); } catch { return inodes; }
  await Promise.all(fds.map(async fd => {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(await fs.readlink(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch { /* fd closed meanwhile */ }
  }));
  return inodes;
}

/** True when process `pid` itself listens on 127.0.0.1:port (not merely someone else). */
export async function pidListensOn(pid: number, port: number): Promise<ListenEntry | undefined> {
  const entries = (await listenersOn(port)).filter(e => e.ip === '127.0.0.1' || e.ip === '0.0.0.0');
  if (entries.length === 0) return undefined;
  const mine = await socketInodesOf(pid);
  return entries.find(e => mine.has(e.inode));
}

/** Fallback readiness check where /proc is missing: a connect that is closed at once. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise(resolve => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { clearTimeout(t); s.destroy(); resolve(ok); };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
