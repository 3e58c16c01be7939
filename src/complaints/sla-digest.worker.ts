import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { activeAdmins, DESK_LOCALE } from '../auth/staff-recipients.repository';
import type { MailAddress } from '../auth/staff-recipients.repository';
import { Clock } from '../common/clock';
import { PollLoop } from '../common/poll-loop';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MailOutbox } from '../mail/mail-outbox';
import { OutboxSignal } from '../mail/outbox-signal';
import { SlaBreachRepository } from './sla-breach.repository';

/**
 * The deadline digest (DESIGN.md "deadline breached | admins | which cases, how late"): every
 * SLA_DIGEST_MS it records the cases whose due time has passed (sla_breach, one row per case and
 * due time) and mails each active admin one digest of those not reported yet (to CONTACT_EMAIL
 * when the desk has no admin). Recording, mailing (the outbox row) and marking happen in one
 * transaction; rows are claimed FOR UPDATE SKIP LOCKED, so a crash reports nothing twice and
 * two instances mail each breach once. Time is the injected Clock.
 */
@Injectable()
export class SlaDigestWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SlaDigest');
  /** Cases per digest; more wait for the next one, sent at once. */
  batchSize = 200;
  private readonly loop: PollLoop;

  constructor(
    private readonly db: DataSource,
    private readonly breaches: SlaBreachRepository,
    private readonly mail: MailOutbox,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly signal: OutboxSignal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.loop = new PollLoop({
      logger: this.logger,
      intervalMs: Math.max(config.slaDigestMs, 1000),
      batchSize: () => this.batchSize,
      runOnce: () => this.runOnce(),
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.slaDigestMs > 0) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** Runs until no breach is left unreported (tests and scripts). */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  /** Records new breaches and mails one digest of up to batchSize of them; returns how many it reported. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const reported = await this.db.transaction('READ COMMITTED', async (tx) => {
      await this.breaches.record(tx, now);
      await this.breaches.closeStale(tx, now);
      const cases = await this.breaches.claimUnreported(tx, this.batchSize);
      if (!cases.length) return 0;
      const admins = await activeAdmins(tx);
      const to: MailAddress[] = admins.length ? admins : [{ email: this.config.contactEmail, locale: DESK_LOCALE }];
      const payload = {
        reference: cases.length === 1 ? cases[0].reference : null,
        cases: cases.map((c) => ({
          reference: c.reference,
          state: c.state,
          dueAt: new Date(c.due_at).toISOString(),
          hoursLate: (now.getTime() - new Date(c.due_at).getTime()) / 3_600_000,
        })),
        queueUrl: `${this.config.publicBaseUrl}/staff/queue?overdue=true`,
      };
      const complaintId = cases.length === 1 ? cases[0].complaint_id : null;
      // Each admin in their own language (staff_user.locale); the contact address in the desk's.
      for (const { email, locale } of to)
        await this.mail.send(tx, 'deadline-breached', email, locale, payload, complaintId);
      for (const c of cases) {
        await this.audit.append(tx, {
          actorType: 'system',
          action: 'complaint.deadline_breached',
          subjectType: 'complaint',
          subjectId: c.complaint_id,
          payload: {
            reference: c.reference,
            state: c.state,
            dueAt: new Date(c.due_at).toISOString(),
            notified: to.length,
          },
        });
      }
      await this.breaches.markNotified(
        tx,
        cases.map((c) => c.id),
        now,
        to.length,
      );
      if (!admins.length) this.logger.warn(`no active admin: deadline digest sent to ${this.config.contactEmail}`);
      return cases.length;
    });
    if (reported) {
      this.signal.kick();
      this.logger.log(`deadline digest: ${reported} overdue case(s) reported`);
    }
    return reported;
  }
}
