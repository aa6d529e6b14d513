// A scripted QMP peer for unit tests: records what the client wrote and lets the test answer.
import type { QmpTransport } from '../../../adapter/qemu/qmpTypes';

export const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';

export class FakeQmp implements QmpTransport {
  readonly written: string[] = [];
  closed = false;
  private dataCb: ((t: string) => void) | undefined;
  private closeCb: ((e?: Error) => void) | undefined;
  private waiters: (() => void)[] = [];
  /** When set, answers every command with {"return": {}} automatically. */
  autoReturn = false;

  write(text: string): void {
    if (this.closed) throw new Error('write after close');
    this.written.push(text);
    if (this.autoReturn) this.reply({ return: {} });
    for (const w of this.waiters.splice(0)) w();
  }
  onData(cb: (t: string) => void): void { this.dataCb = cb; }
  onClose(cb: (e?: Error) => void): void { this.closeCb = cb; }
  close(): void { this.closed = true; }

  /** The peer sends raw text. */
  send(text: string): void { this.dataCb?.(text); }
  /** The peer answers the last command with `body` plus that command's id. */
  reply(body: object): void {
    const id = this.lastCommand().id;
    this.send(JSON.stringify({ ...body, id }) + '\r\n');
  }
  /** The peer hangs up. */
  hangUp(err?: Error): void { this.closed = true; this.closeCb?.(err); }

  lastCommand(): { execute: string; id: string; arguments?: unknown } {
    return JSON.parse(this.written[this.written.length - 1]);
  }
  /** Resolves once the client has written `n` commands in total. */
  async commands(n: number): Promise<void> {
    while (this.written.length < n) await new Promise<void>(r => this.waiters.push(r));
  }
}
