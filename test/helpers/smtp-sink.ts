import { simpleParser, ParsedMail } from 'mailparser';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerSession } from 'smtp-server';

export interface SinkOptions {
  /** Answer the first N DATA commands with this SMTP reply code (e.g. 451) before accepting. */
  failFirst?: { count: number; code: number };
  /** Close the connection after reading the message of the first N DATA commands, with no reply. */
  dropFirst?: number;
  /** Wait this long before answering each of the first `count` DATA commands (a slow server). */
  slowFirst?: { count: number; delayMs: number };
  /** Runs after a message is read and before it is accepted (e.g. to stop the database). */
  beforeAccept?: () => Promise<void>;
}

/** A real SMTP server in the test process; collects what the app sends, parsed by mailparser. */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  /** The raw source of each accepted message, by Message-ID (e.g. to verify a DKIM signature). */
  readonly raw = new Map<string, Buffer>();
  private server!: SMTPServer;
  private failuresLeft = 0;
  private failCode = 451;
  private dropsLeft = 0;
  private slowLeft = 0;
  private slowMs = 0;
  private beforeAccept?: () => Promise<void>;
  /** DATA commands answered after the client had already hung up (their reply was lost). */
  repliesLost = 0;
  private readonly closed = new WeakSet<SMTPServerSession>();
  /** Pending "slow server" waits, ended by stop() so they do not keep the process alive. */
  private readonly delays = new Set<() => void>();
  private waiters: Array<() => void> = [];
  attempts = 0;

  async start(options: SinkOptions = {}): Promise<string> {
    this.failuresLeft = options.failFirst?.count ?? 0;
    this.failCode = options.failFirst?.code ?? 451;
    this.dropsLeft = options.dropFirst ?? 0;
    this.slowLeft = options.slowFirst?.count ?? 0;
    this.slowMs = options.slowFirst?.delayMs ?? 0;
    this.beforeAccept = options.beforeAccept;
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onClose: (session) => this.closed.add(session),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => void this.answer(session, chunks, callback));
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
  }

  private socketOf(session: SMTPServerSession): Socket | undefined {
    const connections = (this.server as unknown as { connections: Set<{ session: unknown; _socket: Socket }> })
      .connections;
    for (const c of connections) if (c.session === session) return c._socket;
    return undefined;
  }

  private async answer(session: SMTPServerSession, chunks: Buffer[], callback: (err?: Error | null) => void) {
    this.attempts += 1;
    const socket = this.socketOf(session);
    if (this.dropsLeft > 0) {
      // The whole message arrived; the server hangs up before answering (nodemailer reports
      // ECONNECTION here; its pool and other paths report "Unexpected socket close", no code).
      this.dropsLeft -= 1;
      socket?.end();
      return;
    }
    if (this.slowLeft > 0) {
      this.slowLeft -= 1;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.delays.delete(done);
          resolve();
        };
        const timer = setTimeout(done, this.slowMs);
        this.delays.add(done);
      });
    }
    if (this.beforeAccept) await this.beforeAccept();
    if (!socket || socket.destroyed || this.closed.has(session)) {
      this.repliesLost += 1;
      callback(new Error('client went away'));
      return;
    }
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      const err = Object.assign(new Error('Try again later'), { responseCode: this.failCode });
      callback(err);
      return;
    }
    const source = Buffer.concat(chunks);
    simpleParser(source)
      .then((mail) => {
        if (mail.messageId) this.raw.set(mail.messageId, source);
        this.messages.push(mail);
        this.waiters.splice(0).forEach((w) => w());
        callback();
      })
      .catch((err: Error) => callback(err));
  }

  /** How many accepted messages carry this Message-ID. */
  count(messageId: string): number {
    return this.messages.filter((m) => m.messageId === messageId).length;
  }

  /** Waits until a message matching `pred` has arrived (or throws after timeoutMs). */
  async waitFor(pred: (m: ParsedMail) => boolean, timeoutMs = 15000): Promise<ParsedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching mail within ${timeoutMs} ms (got ${this.messages.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  to(address: string): ParsedMail[] {
    return this.messages.filter((m) => {
      const to = Array.isArray(m.to) ? m.to : m.to ? [m.to] : [];
      return to.some((a) => a.value.some((v) => v.address?.toLowerCase() === address.toLowerCase()));
    });
  }

  async stop(): Promise<void> {
    for (const end of [...this.delays]) end();
    // A slow or hanging conversation would keep close() waiting.
    const connections = (this.server as unknown as { connections: Set<{ _socket: Socket }> }).connections;
    for (const c of connections) c._socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
