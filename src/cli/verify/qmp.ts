/**
 * A minimal QMP client over a unix socket: one command at a time, events skipped. QEMU speaks one
 * JSON object per line.
 */
import net from 'node:net';

export class QmpError extends Error {}

export class Qmp {
  private buf = '';
  private waiting: Array<(m: Record<string, unknown>) => void> = [];
  /** answers that came before anyone asked (the greeting) */
  private inbox: Array<Record<string, unknown>> = [];
  private closed: Error | undefined;

  private constructor(private readonly sock: net.Socket, private readonly timeoutMs: number) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (!line) continue;
        let m: Record<string, unknown>;
        try {
          m = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if ('event' in m) continue;
        const w = this.waiting.shift();
        if (w) w(m);
        else this.inbox.push(m);
      }
    });
    const onEnd = (e?: Error): void => {
      this.closed = e ?? new QmpError('QMP connection closed');
      for (const w of this.waiting.splice(0)) w({ error: { desc: this.closed.message } });
    };
    sock.on('error', onEnd);
    sock.on('close', () => onEnd());
  }

  /** Connects (retrying until QEMU listens) and negotiates capabilities. */
  static async connect(socketPath: string, timeoutMs: number): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(socketPath);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const q = new Qmp(sock, timeoutMs);
        await q.next(); // greeting
        await q.execute('qmp_capabilities');
        return q;
      } catch (e) {
        if (Date.now() > deadline) throw new QmpError(`QMP socket ${socketPath} not reachable: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private next(): Promise<Record<string, unknown>> {
    const early = this.inbox.shift();
    if (early) return Promise.resolve(early);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new QmpError('QMP answer timed out')), this.timeoutMs);
      this.waiting.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }

  /** The command's `return`, or a QmpError with QEMU's `desc`. */
  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const answer = this.next();
    this.sock.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const m = await answer;
    if (m.error) throw new QmpError((m.error as { desc?: string }).desc ?? JSON.stringify(m.error));
    return m.return;
  }

  /** `execute`, but undefined instead of an error (for properties a device may lack). */
  async tryExecute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    try {
      return await this.execute(command, args);
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.sock.destroy();
  }
}
