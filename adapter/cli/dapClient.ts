// A DAP client for the adapter running in this process (the inline API VS Code also uses:
// handleMessage / onDidSendMessage), so the CLI sees the kernel views exactly as the sidebar
// does: through DAP requests, never by calling the views directly.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ExoError } from '../common/errors';
import { ExoDebugSession } from '../session/session';

type EventListener = (e: DebugProtocol.Event) => void;

export class InlineDapClient {
  private readonly session = new ExoDebugSession();
  private seq = 1;
  private readonly pending = new Map<number, (r: DebugProtocol.Response) => void>();
  private readonly listeners = new Set<EventListener>();

  constructor() {
    this.session.onDidSendMessage(m => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        const p = this.pending.get(r.request_seq);
        if (p) { this.pending.delete(r.request_seq); p(r); }
      } else if (msg.type === 'event') {
        for (const l of [...this.listeners]) l(msg as DebugProtocol.Event);
      } else if (msg.type === 'request') {
        // Reverse requests (runInTerminal…) are not supported by a headless client.
        const req = msg as DebugProtocol.Request;
        this.session.handleMessage({ type: 'response', seq: this.seq++, request_seq: req.seq, command: req.command, success: false, message: 'not supported' } as DebugProtocol.Response);
      }
    });
  }

  onEvent(l: EventListener): () => void { this.listeners.add(l); return () => this.listeners.delete(l); }

  /** Sends a request; resolves with the body, rejects with the adapter's one-sentence error. */
  request<B = unknown>(command: string, args?: unknown, timeoutMs = 60_000): Promise<B> {
    const seq = this.seq++;
    return new Promise<B>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new ExoError('timeout', `the adapter did not answer "${command}" within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(seq, r => {
        clearTimeout(timer);
        if (r.success) resolve(r.body as B);
        else reject(new ExoError('user', (r as DebugProtocol.ErrorResponse).body?.error?.format?.replace(/\{\{/g, '{').replace(/\}\}/g, '}') ?? r.message ?? `${command} failed`));
      });
      this.session.handleMessage({ type: 'request', seq, command, arguments: args } as DebugProtocol.Request);
    });
  }

  /** The next event named `event` that satisfies `accept`. */
  waitForEvent<E extends DebugProtocol.Event>(event: string, timeoutMs: number, accept: (e: E) => boolean = () => true): Promise<E> {
    return new Promise<E>((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new ExoError('timeout', `no "${event}" event within ${timeoutMs / 1000} s`)); }, timeoutMs);
      const off = this.onEvent(e => {
        if (e.event === event && accept(e as E)) { clearTimeout(timer); off(); resolve(e as E); }
      });
    });
  }

  dispose(): void { this.session.dispose(); }
}
