import { simpleParser, ParsedMail } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkOptions {
  /** Answer the first N DATA commands with this SMTP reply code (e.g. 451) before accepting. */
  failFirst?: { count: number; code: number };
}

/** A real SMTP server in the test process; collects what the app sends, parsed by mailparser. */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  private server!: SMTPServer;
  private failuresLeft = 0;
  private failCode = 451;
  private waiters: Array<() => void> = [];
  attempts = 0;

  async start(options: SinkOptions = {}): Promise<string> {
    this.failuresLeft = options.failFirst?.count ?? 0;
    this.failCode = options.failFirst?.code ?? 451;
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.attempts += 1;
          if (this.failuresLeft > 0) {
            this.failuresLeft -= 1;
            const err = Object.assign(new Error('Try again later'), { responseCode: this.failCode });
            callback(err);
            return;
          }
          simpleParser(Buffer.concat(chunks))
            .then((mail) => {
              this.messages.push(mail);
              this.waiters.splice(0).forEach((w) => w());
              callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
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
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
