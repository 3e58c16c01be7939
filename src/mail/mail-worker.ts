import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PollLoop } from '../common/poll-loop';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { classifyFailure, describeFailure, maskAddress, redactSecrets, retryDelayMs } from './mail-failure';
import type { MailLocale } from './mail-helpers';
import { mintMailLinks } from './mail-links';
import { MailRenderer } from './mail-renderer';
import { OutboxSignal } from './outbox-signal';

interface ClaimedJob {
  id: string;
  template: string;
  locale: MailLocale;
  to_address: string;
  message_id: string;
  payload: Record<string, unknown>;
  complaint_id: string | null;
  attempts: number;
}

// One statement claims a batch: SKIP LOCKED keeps instances apart, and a job whose worker
// died mid-send ('sending' past locked_until) is claimed again, so delivery is at-least-once.
const CLAIM_SQL = `
  UPDATE mail_job SET state = 'sending', attempts = attempts + 1, locked_until = now() + interval '2 minutes'
   WHERE id IN (SELECT id FROM mail_job
                 WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND locked_until < now())
                 ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, template, locale, to_address, message_id, payload, complaint_id, attempts`;

// Start no send later than this after claiming: the lock lasts 2 minutes, and a send that
// begins near its end could overlap another instance's retry of the same job.
const SEND_WINDOW_MS = 60_000;

const EMAIL_IN_TEXT = /[^\s<>"'@]+@[^\s<>"']+/g;

/**
 * Delivers the outbox. Runs inside one process are serialised (poll, kick and drain share a
 * chain); several processes share the table safely through the claim statement above.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('MailWorker');
  /** Jobs claimed per statement. */
  batchSize = 20;
  private readonly loop: PollLoop;
  private transport?: Transporter;
  private unsubscribe?: () => void;

  constructor(
    private readonly db: DataSource,
    private readonly renderer: MailRenderer,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly signal?: OutboxSignal,
  ) {
    this.loop = new PollLoop({
      logger: this.logger,
      intervalMs: config.mailPollMs,
      batchSize: () => this.batchSize,
      runOnce: () => this.runOnce(),
      describe: describeFailure,
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.mailWorker) return;
    if (!this.config.smtpUrl) {
      this.logger.warn('MAIL_WORKER is on but there is no SMTP_URL: mail stays queued');
      return;
    }
    this.unsubscribe = this.signal?.subscribe(() => this.kick());
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
    this.transport?.close();
  }

  /** Runs now rather than at the next poll (after a commit that queued work). Never throws. */
  kick(): void {
    this.loop.kick();
  }

  /** Resolves once no job is due (for tests and scripts); jobs backing off are not waited for. */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  /** Claims one batch and handles each job; returns how many were claimed. */
  private async runOnce(): Promise<number> {
    if (this.loop.stopped) return 0;
    const transport = this.getTransport();
    const [jobs] = await this.db.query<[ClaimedJob[], number]>(CLAIM_SQL, [this.batchSize]);
    const claimedAt = Date.now();
    for (const job of jobs) {
      if (this.loop.stopped || Date.now() - claimedAt > SEND_WINDOW_MS) await this.release(job);
      else await this.deliver(transport, job);
    }
    return jobs.length;
  }

  private async deliver(transport: Transporter, job: ClaimedJob): Promise<void> {
    const max = this.config.mailMaxAttempts;
    // A job that crashed its worker every time would otherwise be claimed forever.
    if (job.attempts > max) return this.fail(job, `gave up after ${max} attempts`);
    let payload;
    try {
      // Private links exist only in the message: minted now, kept hashed (mail-links.ts).
      payload = await mintMailLinks(this.db, this.config.publicBaseUrl, job);
    } catch (err) {
      const reason = `links: ${describeFailure(err)}`;
      return job.attempts < max ? this.retry(job, reason) : this.fail(job, reason);
    }
    let rendered;
    try {
      rendered = this.renderer.render(job.template, job.locale, payload);
    } catch (err) {
      return this.fail(job, `render: ${describeFailure(err)}`);
    }
    const reference =
      typeof job.payload.reference === 'string' ? job.payload.reference.replace(/[\r\n]/g, '') : undefined;
    try {
      await transport.sendMail({
        from: this.config.mailFrom,
        to: job.to_address,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        messageId: job.message_id,
        headers: reference ? { 'X-Notice-Desk-Reference': reference } : {},
      });
    } catch (err) {
      const reason = describeFailure(err);
      if (classifyFailure(err) === 'retry' && job.attempts < max) return this.retry(job, reason);
      return this.fail(job, reason);
    }
    await this.markSent(job);
  }

  private async markSent(job: ClaimedJob): Promise<void> {
    const owned = await this.db.transaction(async (tx) => {
      const [, count] = await tx.query<[unknown, number]>(
        `UPDATE mail_job SET state = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL
          WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
        [job.id, job.attempts],
      );
      if (count === 0) return false;
      await this.audit.append(tx, {
        actorType: 'system',
        action: 'mail.sent',
        ...this.subject(job),
        payload: {
          mailJobId: job.id,
          template: job.template,
          to: maskAddress(job.to_address),
          messageId: job.message_id,
        },
      });
      return true;
    });
    if (owned) this.logger.log(`${this.label(job)} sent (attempt ${job.attempts})`);
    else this.logger.warn(`${this.label(job)} sent, but another worker had reclaimed it; it may arrive twice`);
  }

  private async retry(job: ClaimedJob, reason: string): Promise<void> {
    const delay = retryDelayMs(job.attempts, this.config.mailRetryBaseMs);
    await this.db.query(
      `UPDATE mail_job SET state = 'pending', next_attempt_at = now() + $3 * interval '1 millisecond',
              locked_until = NULL, last_error = $4
        WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
      [job.id, job.attempts, delay, reason],
    );
    this.logger.warn(
      `${this.label(job)} attempt ${job.attempts} failed (${reason}); retrying in ${Math.round(delay / 1000)} s`,
    );
  }

  private async fail(job: ClaimedJob, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [, count] = await tx.query<[unknown, number]>(
        `UPDATE mail_job SET state = 'failed', locked_until = NULL, last_error = $3
          WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
        [job.id, job.attempts, reason],
      );
      if (count === 0) return;
      await this.audit.append(tx, {
        actorType: 'system',
        action: 'mail.failed',
        ...this.subject(job),
        payload: {
          mailJobId: job.id,
          template: job.template,
          to: maskAddress(job.to_address),
          messageId: job.message_id,
          attempts: job.attempts,
          // The audit trail cannot be erased, so addresses quoted in SMTP replies are masked.
          error: reason.replace(EMAIL_IN_TEXT, (m) => maskAddress(m)),
        },
      });
    });
    this.logger.warn(`${this.label(job)} failed for good after ${job.attempts} attempt(s): ${reason}`);
  }

  /** Gives a claimed job back untouched (shutting down, or its send window has passed). */
  private async release(job: ClaimedJob): Promise<void> {
    await this.db.query(
      `UPDATE mail_job SET state = 'pending', attempts = attempts - 1, locked_until = NULL
        WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
      [job.id, job.attempts],
    );
  }

  private subject(job: ClaimedJob): { subjectType: string; subjectId: string } {
    return job.complaint_id
      ? { subjectType: 'complaint', subjectId: job.complaint_id }
      : { subjectType: 'mail', subjectId: job.id };
  }

  private label(job: ClaimedJob): string {
    const ref = typeof job.payload.reference === 'string' ? ` ${job.payload.reference}` : '';
    return `mail ${job.id} (${job.template}${ref}) to ${maskAddress(job.to_address)}`;
  }

  private getTransport(): Transporter {
    if (!this.transport) {
      if (!this.config.smtpUrl) throw new Error('no SMTP_URL configured');
      try {
        this.transport = createTransport({
          url: this.config.smtpUrl,
          pool: true,
          maxConnections: 3,
          connectionTimeout: 15_000,
          greetingTimeout: 15_000,
          socketTimeout: 60_000,
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (err) {
        // nodemailer may echo the URL, password included, in a parse error: keep it out of the cause.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(`cannot create the SMTP transport: ${redactSecrets(String((err as Error).message))}`);
      }
    }
    return this.transport;
  }
}
