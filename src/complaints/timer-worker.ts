import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { PollLoop } from '../common/poll-loop';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { OutboxSignal } from '../mail/outbox-signal';
import { CaseTimerRepository } from './case-timer.repository';
import type { DueTimer } from './case-timer.repository';
import { CASE_TIMERS } from './complaint-state';
import { ComplaintsService } from './complaints.service';

/** First retry after a failed attempt; doubles each attempt, capped at an hour. */
const RETRY_BASE_MS = 60_000;

type Outcome = 'fired' | 'skipped' | null;

/**
 * Fires due case timers (case_timer). Each timer is claimed, its transition taken and the timer
 * marked done in ONE transaction, with the timer and case rows locked (SKIP LOCKED): two
 * instances never fire one timer twice, and a crash or rollback leaves it pending for the next
 * run. Time is the injected Clock, so tests move it instead of sleeping.
 */
@Injectable()
export class TimerWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TimerWorker');
  /** Timers fired per run before polling again at once. */
  batchSize = 20;
  private readonly loop: PollLoop;

  constructor(
    private readonly db: DataSource,
    private readonly complaints: ComplaintsService,
    private readonly timers: CaseTimerRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly signal: OutboxSignal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.loop = new PollLoop({
      logger: this.logger,
      intervalMs: config.timerPollMs,
      batchSize: () => this.batchSize,
      runOnce: () => this.runOnce(),
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.timerWorker) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** Resolves once no timer is due (tests and scripts); timers backing off after a failure are not waited for. */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  /** Fires up to batchSize due timers, one transaction each; returns how many it handled. */
  async runOnce(): Promise<number> {
    let handled = 0;
    while (handled < this.batchSize && !this.loop.stopped) {
      const outcome = await this.fireOne();
      if (outcome === 'none') break;
      handled += 1;
    }
    if (handled) this.signal.kick();
    return handled;
  }

  private async fireOne(): Promise<Outcome | 'none' | 'failed'> {
    const now = this.clock.now();
    let claimed = null as DueTimer | null;
    try {
      const outcome = await this.db.transaction('READ COMMITTED', async (tx): Promise<Outcome> => {
        const t = await this.timers.claimDue(tx, now);
        if (!t) return null;
        claimed = t;
        const spec = CASE_TIMERS[t.kind];
        if (!(spec.while as readonly string[]).includes(t.state)) {
          // The case moved on by a path that did not cancel the timer: nothing to do.
          await this.timers.finish(tx, t.id, 'skipped', now);
          return 'skipped';
        }
        // A proof committed after the claim's snapshot (the case row is locked now, so no other
        // can arrive): leave the timer due; the next claim passes over it until the proof is reviewed.
        if (t.kind === 'restoration_due' && (await this.timers.proofPending(tx, t.complaint_id))) {
          claimed = null;
          return null;
        }
        await this.complaints.transitionIn(
          tx,
          {
            reference: t.reference,
            to: spec.fires,
            version: t.version,
            timer: { id: t.id, kind: t.kind, dueAt: t.due_at },
          },
          { role: 'system', id: null },
        );
        await this.timers.finish(tx, t.id, 'fired', now);
        return 'fired';
      });
      if (!outcome || !claimed) return 'none';
      this.logger.log(`${claimed.kind} on ${claimed.reference}: ${outcome}`);
      return outcome;
    } catch (err) {
      if (!claimed) throw err;
      await this.afterFailure(claimed, err instanceof Error ? err.message : String(err), now);
      return 'failed';
    }
  }

  /** The attempt rolled back: count it, back off, and after TIMER_MAX_ATTEMPTS end the timer visibly. */
  private async afterFailure(t: DueTimer, message: string, now: Date): Promise<void> {
    const attempt = t.attempts + 1;
    if (attempt >= this.config.timerMaxAttempts) {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `UPDATE case_timer SET done_at = $2, outcome = 'failed', attempts = attempts + 1, last_error = $3
            WHERE id = $1 AND done_at IS NULL`,
          [t.id, now, message.slice(0, 1000)],
        );
        await this.audit.append(tx, {
          actorType: 'system',
          action: 'timer.failed',
          subjectType: 'complaint',
          subjectId: t.complaint_id,
          payload: {
            reference: t.reference,
            timer: t.id,
            kind: t.kind,
            attempts: attempt,
            error: message.slice(0, 300),
          },
        });
      });
      this.logger.error(`${t.kind} on ${t.reference} failed for good after ${attempt} attempts: ${message}`);
      return;
    }
    const delay = Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), 3_600_000);
    await this.timers.failed(this.db, t.id, message, new Date(now.getTime() + delay));
    this.logger.warn(
      `${t.kind} on ${t.reference} attempt ${attempt} failed (${message}); retrying in ${delay / 1000} s`,
    );
  }
}
