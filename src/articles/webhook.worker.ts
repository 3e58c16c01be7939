import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PollLoop } from '../common/poll-loop';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { redactSecrets, retryDelayMs } from '../mail/mail-failure';

interface ClaimedWebhook {
  id: string;
  event: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

// As for mail: one statement claims a batch, SKIP LOCKED keeps instances apart, and a job
// whose worker died mid-delivery ('sending' past locked_until) is claimed again.
const CLAIM_SQL = `
  UPDATE webhook_job SET state = 'sending', attempts = attempts + 1, locked_until = now() + interval '2 minutes'
   WHERE id IN (SELECT id FROM webhook_job
                 WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND locked_until < now())
                 ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, event, payload, attempts, created_at`;

export const WEBHOOK_TIMEOUT_MS = 10_000;
// Start no delivery later than this after claiming, so it ends well inside the 2-minute lock.
const SEND_WINDOW_MS = 60_000;

/**
 * Signs one delivery. The receiver verifies it like this:
 *
 *   1. Read the raw request body (the exact bytes, before any JSON parsing) and the headers
 *      X-Notice-Desk-Timestamp (unix seconds) and X-Notice-Desk-Signature ("sha256=<hex>").
 *   2. Reject the request if |now - timestamp| > 300 seconds (5 minutes): this stops replays
 *      of an old, captured delivery.
 *   3. Compute hex(HMAC-SHA256(CMS_WEBHOOK_SECRET, "<timestamp>.<raw body>")) and compare it
 *      with the header's hex in constant time (crypto.timingSafeEqual); reject on mismatch.
 *   4. Deliveries are at least once: deduplicate on X-Notice-Desk-Delivery (the job id, the
 *      same on every retry), and answer 2xx only once the change is stored.
 *
 *   // Node.js
 *   const expected = createHmac('sha256', secret).update(`${ts}.${rawBody}`).digest('hex');
 *   const given = Buffer.from(sig.replace(/^sha256=/, ''), 'hex');
 *   const ok = Math.abs(Date.now() / 1000 - Number(ts)) <= 300 && given.length === 32 &&
 *     timingSafeEqual(given, Buffer.from(expected, 'hex'));
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers the CMS webhook outbox: POSTs each job as JSON to CMS_WEBHOOK_URL, outside any
 * transaction, signed (see signWebhook). 2xx is delivered; anything else, a timeout or a
 * network error is retried with exponential backoff (MAIL_RETRY_BASE_MS doubling, at most an
 * hour) until MAIL_MAX_ATTEMPTS, then the job is failed and the failure audited.
 * Several instances share the table safely through the claim statement.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookWorker');
  batchSize = 20;
  private readonly loop: PollLoop;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.loop = new PollLoop({
      logger: this.logger,
      intervalMs: config.mailPollMs,
      batchSize: () => this.batchSize,
      runOnce: () => this.runOnce(),
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.cmsWebhookUrl) return;
    if (!this.config.cmsWebhookSecret) {
      // An unsigned "hide this article" would let anyone who can reach the CMS forge one.
      this.logger.error('CMS_WEBHOOK_URL is set but CMS_WEBHOOK_SECRET is not: webhooks stay queued, unsent');
      return;
    }
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** Runs now rather than at the next poll (after a commit that queued work). Never throws. */
  kick(): void {
    this.loop.kick();
  }

  /** Resolves once no job is due (for tests and scripts); jobs backing off are not waited for. */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  private async runOnce(): Promise<number> {
    const url = this.config.cmsWebhookUrl;
    const secret = this.config.cmsWebhookSecret;
    if (this.loop.stopped || !url || !secret) return 0;
    const [jobs] = await this.db.query<[ClaimedWebhook[], number]>(CLAIM_SQL, [this.batchSize]);
    const claimedAt = Date.now();
    for (const job of jobs) {
      if (this.loop.stopped || Date.now() - claimedAt > SEND_WINDOW_MS) await this.release(job);
      else await this.deliver(url, secret, job);
    }
    return jobs.length;
  }

  private async deliver(url: string, secret: string, job: ClaimedWebhook): Promise<void> {
    const max = this.config.mailMaxAttempts;
    if (job.attempts > max) return this.fail(job, `gave up after ${max} attempts`);
    const body = JSON.stringify({
      id: job.id,
      event: job.event,
      createdAt: new Date(job.created_at).toISOString(),
      data: job.payload,
    });
    const timestamp = Math.floor(Date.now() / 1000);
    let failure: string | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'NoticeDesk-Webhook/1',
          'X-Notice-Desk-Event': job.event,
          'X-Notice-Desk-Delivery': job.id,
          'X-Notice-Desk-Timestamp': String(timestamp),
          'X-Notice-Desk-Signature': signWebhook(secret, timestamp, body),
        },
        body,
        // A redirect is not a delivery: the signature was made for this receiver.
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      // Read (and bound) the body so the connection is released.
      const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
      if (res.status < 200 || res.status > 299) failure = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
    } catch (err) {
      failure = describe(err);
    }
    if (failure === null) return this.markSent(job);
    if (job.attempts < max) return this.retry(job, failure);
    return this.fail(job, failure);
  }

  private async markSent(job: ClaimedWebhook): Promise<void> {
    const [, count] = await this.db.query<[unknown, number]>(
      `UPDATE webhook_job SET state = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL
        WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
      [job.id, job.attempts],
    );
    if (count === 0)
      this.logger.warn(`webhook ${job.id} (${job.event}) delivered, but another worker had reclaimed it`);
    else this.logger.log(`webhook ${job.id} (${job.event}) delivered (attempt ${job.attempts})`);
  }

  private async retry(job: ClaimedWebhook, reason: string): Promise<void> {
    const delay = retryDelayMs(job.attempts, this.config.mailRetryBaseMs);
    await this.db.query(
      `UPDATE webhook_job SET state = 'pending', next_attempt_at = now() + $3 * interval '1 millisecond',
              locked_until = NULL, last_error = $4
        WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
      [job.id, job.attempts, delay, reason],
    );
    this.logger.warn(
      `webhook ${job.id} (${job.event}) attempt ${job.attempts} failed (${reason}); retrying in ${Math.round(delay / 1000)} s`,
    );
  }

  private async fail(job: ClaimedWebhook, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [, count] = await tx.query<[unknown, number]>(
        `UPDATE webhook_job SET state = 'failed', locked_until = NULL, last_error = $3
          WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
        [job.id, job.attempts, reason],
      );
      if (count === 0) return;
      await this.audit.append(tx, {
        actorType: 'system',
        action: 'webhook.failed',
        subjectType: 'webhook',
        subjectId: job.id,
        payload: { event: job.event, attempts: job.attempts, error: reason, data: job.payload },
      });
    });
    // The CMS still shows (or hides) what it should not: someone has to act by hand.
    this.logger.error(`webhook ${job.id} (${job.event}) failed for good after ${job.attempts} attempt(s): ${reason}`);
  }

  private async release(job: ClaimedWebhook): Promise<void> {
    await this.db.query(
      `UPDATE webhook_job SET state = 'pending', attempts = attempts - 1, locked_until = NULL
        WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
      [job.id, job.attempts],
    );
  }
}

/** A one-line reason for a network error or timeout, credentials in URLs blanked out. */
function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `timed out after ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  const cause = e?.cause ? ` (${e.cause.code ?? e.cause.message ?? ''})` : '';
  return redactSecrets(`${e?.message ?? String(err)}${cause}`).slice(0, 300);
}
