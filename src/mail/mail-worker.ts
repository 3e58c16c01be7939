import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PollLoop } from '../common/poll-loop';
import { APP_CONFIG } from '../config/config';
import { isDatabaseUnavailable } from '../database/db-errors';
import type { AppConfig } from '../config/config';
import { classifyFailure, describeFailure, maskAddress, redactSecrets, retryDelayMs } from './mail-failure';
import type { MailLocale } from './mail-helpers';
import { LinkGoneError, mintMailLinks } from './mail-links';
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
  in_reply_to: string | null;
  reply_references: string | null;
}

// One statement claims a batch: SKIP LOCKED keeps instances apart, and a job whose worker
// died mid-send ('sending' past locked_until) is claimed again, so delivery is at-least-once.
// The claim (lease) is short and renewed while the batch is in hand (see renew()), so a crashed
// worker's mail moves on within MAIL_LEASE_MS while a slow send is never taken over.
const CLAIM_SQL = `
  UPDATE mail_job SET state = 'sending', attempts = attempts + 1,
         locked_until = now() + $2 * interval '1 millisecond'
   WHERE id IN (SELECT id FROM mail_job
                 WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND locked_until < now())
                 ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, template, locale, to_address, message_id, payload, complaint_id, attempts, in_reply_to, reply_references`;

const RENEW_SQL = `
  UPDATE mail_job m SET locked_until = now() + $3 * interval '1 millisecond'
    FROM unnest($1::uuid[], $2::int[]) AS h(id, attempts)
   WHERE m.id = h.id AND m.attempts = h.attempts AND m.state = 'sending'
  RETURNING m.id`;

/** Waits between tries to record an accepted message while the database is away. */
const RECORD_RETRY_MAX_MS = 1000;

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
  /** Jobs this process has claimed and not yet settled; their leases are renewed. */
  private readonly held = new Map<string, ClaimedJob>();
  /** Jobs whose lease another worker took over (it lapsed): not to be sent by this one. */
  private readonly lost = new Set<string>();
  /** When the last claim or renewal that succeeded was issued (its lease runs from then). */
  private leaseConfirmedAt = 0;
  private heartbeat?: NodeJS.Timeout;
  private renewing = false;

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
    this.stopHeartbeat();
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
    const lease = this.config.mailLeaseMs;
    const issuedAt = Date.now();
    const [jobs] = await this.db.query<[ClaimedJob[], number]>(CLAIM_SQL, [this.batchSize, lease]);
    if (jobs.length === 0) return 0;
    this.leaseConfirmedAt = issuedAt;
    for (const job of jobs) this.held.set(job.id, job);
    this.startHeartbeat();
    try {
      // MAIL_CONCURRENCY lanes take the claimed jobs in order, each over its own pooled connection.
      const queue = [...jobs];
      const lane = async (): Promise<void> => {
        for (let job = queue.shift(); job; job = queue.shift()) {
          // Send only while the claim surely holds, with time left for a renewal: else another
          // worker may already have it (a renewal failed, or the database was away).
          const leaseLeft = this.leaseConfirmedAt + lease - Date.now();
          if (this.loop.stopped || this.lost.has(job.id) || leaseLeft < lease / 3) await this.release(job);
          else await this.deliver(transport, job);
          this.held.delete(job.id);
          this.lost.delete(job.id);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.mailConcurrency, jobs.length) }, lane));
    } finally {
      for (const job of jobs) {
        this.held.delete(job.id);
        this.lost.delete(job.id);
      }
      if (this.held.size === 0) this.stopHeartbeat();
    }
    return jobs.length;
  }

  /** Renews the lease of every job in hand, a few times per lease. */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.config.mailLeaseMs / 3)));
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    const issuedAt = Date.now();
    const jobs = [...this.held.values()];
    try {
      const [rows] = await this.db.query<[Array<{ id: string }>, number]>(RENEW_SQL, [
        jobs.map((j) => j.id),
        jobs.map((j) => j.attempts),
        this.config.mailLeaseMs,
      ]);
      this.leaseConfirmedAt = issuedAt;
      const kept = new Set(rows.map((r) => r.id));
      for (const j of jobs) if (!kept.has(j.id) && this.held.get(j.id) === j) this.lost.add(j.id);
    } catch (err) {
      this.logger.warn(`could not renew the claim on ${jobs.length} mail job(s): ${describeFailure(err)}`);
    } finally {
      this.renewing = false;
    }
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
      // An invitation used or revoked meanwhile will not reopen: fail now, not after max attempts.
      return job.attempts < max && !(err instanceof LinkGoneError) ? this.retry(job, reason) : this.fail(job, reason);
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
        // A reply to inbound mail threads under it (the contact mailbox, src/inbox/).
        ...(job.in_reply_to ? { inReplyTo: job.in_reply_to, references: job.reply_references ?? job.in_reply_to } : {}),
        headers: {
          ...(reference ? { 'X-Notice-Desk-Reference': reference } : {}),
          // RFC 3834: vacation responders do not answer automatic mail, so no loops.
          'Auto-Submitted': job.in_reply_to ? 'auto-replied' : 'auto-generated',
        },
      });
    } catch (err) {
      const reason = describeFailure(err);
      if (classifyFailure(err) === 'retry' && job.attempts < max) return this.retry(job, reason);
      return this.fail(job, reason);
    }
    await this.recordSent(job);
  }

  /**
   * The server has accepted the message: that outcome is kept here until the database records
   * it. If the database is away (restarting), the update is tried again until it is back, since
   * leaving the job 'sending' would have it claimed and sent a second time.
   */
  private async recordSent(job: ClaimedJob): Promise<void> {
    let wait = 50;
    let tries = 0;
    let stoppedSince: number | undefined;
    for (;;) {
      try {
        return await this.markSent(job);
      } catch (err) {
        tries += 1;
        const unavailable = isDatabaseUnavailable(err);
        if (this.loop.stopped) stoppedSince ??= Date.now();
        const givingUp =
          (!unavailable && tries >= 5) ||
          (stoppedSince !== undefined && Date.now() - stoppedSince > this.config.mailLeaseMs);
        if (givingUp) {
          this.logger.error(
            `${this.label(job)} was accepted by the SMTP server but could not be recorded as sent ` +
              `(${describeFailure(err)}); it will be sent again when its claim lapses`,
          );
          return;
        }
        if (tries === 1 || tries % 20 === 0)
          this.logger.warn(
            `${this.label(job)} was accepted by the SMTP server; recording it failed (${describeFailure(err)}), trying again`,
          );
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, RECORD_RETRY_MAX_MS);
      }
    }
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

  /**
   * Gives a claimed job back untouched (shutting down, or its claim may have lapsed). If the
   * database cannot be reached the claim simply runs out.
   */
  private async release(job: ClaimedJob): Promise<void> {
    await this.db
      .query(
        `UPDATE mail_job SET state = 'pending', attempts = attempts - 1, locked_until = NULL
          WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
        [job.id, job.attempts],
      )
      .catch((err: unknown) => this.logger.warn(`${this.label(job)} could not be released: ${describeFailure(err)}`));
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
        // nodemailer ignores every other option when given `url` (so the `pool` and timeouts once
        // set here never took effect): parse the URL, then add ours. One pooled connection reused
        // across messages (a fresh TCP and TLS handshake per message capped receipts at a few per
        // second); a connection that fails is dropped and the next send opens a new one. A server silent for MAIL_SEND_TIMEOUT_MS at any step (connect, greeting, any reply) ends the send
        // as a transient failure, its connection closed; a slower send keeps its claim renewed.
        this.transport = createTransport({
          ...parseConnectionUrl(this.config.smtpUrl),
          pool: true,
          maxConnections: this.config.mailConcurrency,
          maxMessages: 100,
          connectionTimeout: this.config.mailSendTimeoutMs,
          greetingTimeout: this.config.mailSendTimeoutMs,
          socketTimeout: this.config.mailSendTimeoutMs,
          disableFileAccess: true,
          disableUrlAccess: true,
          // DKIM_DOMAIN/SELECTOR/PRIVATE_KEY: receivers (QQ Mail, Gmail, Outlook) can verify our mail.
          ...(this.config.dkim ? { dkim: this.config.dkim } : {}),
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
