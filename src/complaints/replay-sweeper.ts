import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';

const SWEEP_MS = 10 * 60_000;

/**
 * Erases the clear tracking tokens kept for Idempotency-Key replays once their window
 * (IDEMPOTENCY_REPLAY_HOURS) has passed. Replays already ignore an expired row; this makes sure
 * the token itself does not outlive the window by more than a sweep interval.
 */
@Injectable()
export class ReplaySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ReplaySweeper');
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    const run = () => void this.sweep().catch((err: Error) => this.logger.warn(`sweep failed: ${err.message}`));
    run();
    this.timer = setInterval(run, SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Deletes every expired replay token; returns how many. */
  async sweep(): Promise<number> {
    const [, count] = await this.db.query<[unknown, number]>(`DELETE FROM intake_replay WHERE expires_at <= now()`);
    return count;
  }
}
