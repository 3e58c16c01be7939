import type { Logger } from '@nestjs/common';

export interface PollLoopOptions {
  logger: Logger;
  /** Wait between runs that found less than a full batch. */
  intervalMs: number;
  /** A run that handled this many items is followed at once by another. */
  batchSize: () => number;
  /** Claims and handles one batch; returns how many items it claimed. */
  runOnce: () => Promise<number>;
  describe?: (err: unknown) => string;
}

/**
 * The loop behind the outbox workers (mail, webhooks): polls, runs again at once after a full
 * batch, runs on kick() after a commit, and never lets two runs in one process overlap (poll,
 * kick and drain share one chain). Several processes stay apart through their claim statements.
 */
export class PollLoop {
  private chain: Promise<unknown> = Promise.resolve();
  private kickQueued = false;
  private timer?: NodeJS.Timeout;
  private running = false;
  private ended = false;

  constructor(private readonly opts: PollLoopOptions) {}

  /** True once stop() was called: a run in flight should put back what it has not started. */
  get stopped(): boolean {
    return this.ended;
  }

  start(): void {
    if (this.ended) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling and waits for a run in flight to finish. */
  async stop(): Promise<void> {
    this.ended = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.chain;
  }

  /** Runs now rather than at the next poll. Never throws. */
  kick(): void {
    if (!this.running || this.ended || this.kickQueued) return;
    this.kickQueued = true;
    void this.serial(() => {
      this.kickQueued = false;
      return this.opts.runOnce();
    }).catch((err: unknown) => this.opts.logger.error(`run failed: ${this.describe(err)}`));
  }

  /** Resolves once no item is due (for tests and scripts); items backing off are not waited for. */
  async drain(): Promise<void> {
    while ((await this.serial(() => this.opts.runOnce())) > 0) {
      // a batch may have made room for more
    }
  }

  private schedule(ms: number): void {
    if (this.ended) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.serial(() => this.opts.runOnce())
        .catch((err: unknown) => {
          this.opts.logger.error(`run failed: ${this.describe(err)}`);
          return 0;
        })
        .then((n) => this.schedule(n >= this.opts.batchSize() ? 0 : this.opts.intervalMs));
    }, ms);
  }

  private serial(fn: () => Promise<number>): Promise<number> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private describe(err: unknown): string {
    return this.opts.describe ? this.opts.describe(err) : err instanceof Error ? err.message : String(err);
  }
}
