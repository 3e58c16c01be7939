import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditVerification, AuditVerifier } from '../audit/audit-verifier.service';
import { activeAdmins, withContact } from '../auth/staff-recipients.repository';
import { Clock } from '../common/clock';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MailOutbox } from '../mail/mail-outbox';
import { OutboxSignal } from '../mail/outbox-signal';

export interface IntegrityRun {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  running: boolean;
  ok: boolean | null;
  eventsChecked: number;
  sealsChecked: number;
  unsealed: number;
  lastEventId: string | null;
  lastSealId: string | null;
  lastHash: string | null;
  badEventId: string | null;
  badSealId: string | null;
  problem: string | null;
  triggeredBy: string;
}

interface RunRow {
  id: string;
  started_at: Date;
  finished_at: Date | null;
  ok: boolean | null;
  events_checked: string;
  seals_checked: string;
  unsealed: string;
  last_event_id: string | null;
  last_seal_id: string | null;
  last_hash: string | null;
  bad_event_id: string | null;
  bad_seal_id: string | null;
  problem: string | null;
  triggered_by: string;
}

const COLUMNS = `id::text AS id, started_at, finished_at, ok, events_checked::text, seals_checked::text, unsealed::text,
  last_event_id::text, last_seal_id::text, last_hash, bad_event_id::text, bad_seal_id::text, problem, triggered_by`;

const toRun = (r: RunRow): IntegrityRun => ({
  id: r.id,
  startedAt: new Date(r.started_at),
  finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  running: !r.finished_at,
  ok: r.ok,
  eventsChecked: Number(r.events_checked),
  sealsChecked: Number(r.seals_checked),
  unsealed: Number(r.unsealed),
  lastEventId: r.last_event_id,
  lastSealId: r.last_seal_id,
  lastHash: r.last_hash,
  badEventId: r.bad_event_id,
  badSealId: r.bad_seal_id,
  problem: r.problem,
  triggeredBy: r.triggered_by,
});

/**
 * Runs AuditVerifier and records each run in integrity_run. An admin's run (runNow) is recorded
 * as started, then finished; a scheduled run (runScheduled) verifies under a session advisory
 * lock (one instance at a time, no transaction open during the walk), then inserts its period's
 * schedule_key (ON CONFLICT DO NOTHING) in one transaction that also records the result and queues
 * the seal digest (audit-seal-digest) to every active admin and CONTACT_EMAIL: each period is
 * verified and mailed once; a crash mid-walk records nothing and the next poll tries again.
 */
@Injectable()
export class IntegrityService {
  private readonly logger = new Logger('Integrity');

  constructor(
    private readonly db: DataSource,
    private readonly verifier: AuditVerifier,
    private readonly mail: MailOutbox,
    private readonly signal: OutboxSignal,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async last(): Promise<IntegrityRun | null> {
    const [row] = await this.db.query<RunRow[]>(`SELECT ${COLUMNS} FROM integrity_run ORDER BY id DESC LIMIT 1`);
    return row ? toRun(row) : null;
  }

  /** The newest finished run (what the page shows as "last verified"). */
  async lastFinished(): Promise<IntegrityRun | null> {
    const [row] = await this.db.query<RunRow[]>(
      `SELECT ${COLUMNS} FROM integrity_run WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`,
    );
    return row ? toRun(row) : null;
  }

  /** An admin's run, in the request: recorded as running, verified, recorded with the result. */
  async runNow(staffId: string): Promise<IntegrityRun> {
    const [{ id }] = await this.db.query<Array<{ id: string }>>(
      `INSERT INTO integrity_run (triggered_by) VALUES ($1) RETURNING id::text AS id`,
      [staffId],
    );
    let result: AuditVerification;
    try {
      result = await this.verifier.verify();
    } catch (err) {
      await this.db.query(`DELETE FROM integrity_run WHERE id = $1 AND finished_at IS NULL`, [id]);
      throw err;
    }
    return this.record(this.db.manager, id, result);
  }

  /** The period a scheduled run belongs to: the UTC start of the INTEGRITY_CHECK_MS slot (a day by default). */
  scheduleKey(now: Date = this.clock.now()): string {
    const period = this.config.integrityCheckMs > 0 ? Math.max(this.config.integrityCheckMs, 1000) : 86_400_000;
    return new Date(Math.floor(now.getTime() / period) * period).toISOString();
  }

  /** The scheduled run: null when this period was already claimed (by this or another instance). */
  async runScheduled(): Promise<IntegrityRun | null> {
    const key = this.scheduleKey();
    // The verification runs outside any transaction, under a session advisory lock: an open
    // transaction held for the whole walk would hold back the sealer's horizon (and vacuum) for as
    // long as the trail takes to verify. The lock keeps two instances from walking it together; the
    // period's key, inserted with the result, keeps the period to one run and one mail.
    const lockConn = this.db.createQueryRunner();
    await lockConn.connect();
    let run: IntegrityRun | null = null;
    try {
      const [{ locked }] = (await lockConn.query(
        `SELECT pg_try_advisory_lock(hashtext('notice-desk:integrity-scheduled')) AS locked`,
      )) as Array<{ locked: boolean }>;
      if (!locked) return null;
      try {
        const [taken] = (await lockConn.query(`SELECT 1 FROM integrity_run WHERE schedule_key = $1`, [
          key,
        ])) as unknown[];
        if (!taken) run = await this.verifyAndRecord(key);
      } finally {
        await lockConn.query(`SELECT pg_advisory_unlock(hashtext('notice-desk:integrity-scheduled'))`);
      }
    } finally {
      await lockConn.release();
    }
    if (run) {
      this.signal.kick();
      if (run.ok) this.logger.log(`audit trail intact up to seal ${run.lastSealId ?? '-'}: ${run.lastHash ?? '-'}`);
      else this.logger.error(`audit trail BROKEN at event ${run.badEventId ?? '?'} (seal ${run.badSealId ?? '?'})`);
    }
    return run;
  }

  /** Verifies, then records the period's run and queues the digests in one transaction (null if the key was taken). */
  private async verifyAndRecord(key: string): Promise<IntegrityRun | null> {
    const result = await this.verifier.verify();
    return this.db.transaction('READ COMMITTED', async (tx) => {
      const [claim] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO integrity_run (triggered_by, schedule_key) VALUES ('schedule', $1)
           ON CONFLICT (schedule_key) DO NOTHING RETURNING id::text AS id`,
        [key],
      );
      if (!claim) return null;
      const recorded = await this.record(tx, claim.id, result);
      const to = withContact(await activeAdmins(tx), this.config.contactEmail);
      const payload = {
        broken: !recorded.ok,
        lastHash: recorded.lastHash,
        lastSealId: recorded.lastSealId,
        lastEventId: recorded.lastEventId,
        eventsChecked: recorded.eventsChecked,
        sealsChecked: recorded.sealsChecked,
        verifiedAt: (recorded.finishedAt ?? this.clock.now()).toISOString(),
        badEventId: recorded.badEventId,
        badSealId: recorded.badSealId,
        problem: recorded.problem,
        pageUrl: `${this.config.publicBaseUrl}/staff/integrity`,
      };
      // Each admin in their own language (staff_user.locale); CONTACT_EMAIL in the desk's.
      for (const { email, locale } of to) await this.mail.send(tx, 'audit-seal-digest', email, locale, payload, null);
      return recorded;
    });
  }

  private async record(tx: EntityManager, id: string, r: AuditVerification): Promise<IntegrityRun> {
    const [row] = await tx.query<RunRow[]>(
      `WITH u AS (UPDATE integrity_run SET finished_at = clock_timestamp(), ok = $2, events_checked = $3, seals_checked = $4,
              unsealed = $5, last_hash = $6,
              last_seal_id = (SELECT s.id FROM audit_seal s WHERE s.hash = $6 ORDER BY s.id DESC LIMIT 1),
              last_event_id = (SELECT s.event_ids[cardinality(s.event_ids)] FROM audit_seal s WHERE s.hash = $6
                                ORDER BY s.id DESC LIMIT 1),
              bad_event_id = $7, bad_seal_id = $8, problem = $9
        WHERE id = $1 RETURNING *)
       SELECT ${COLUMNS} FROM u`,
      [
        id,
        r.ok,
        r.sealedEvents,
        r.seals,
        Math.max(r.unsealed, 0),
        r.lastHash,
        r.firstBad?.eventId ?? null,
        r.firstBad?.sealId ?? null,
        r.firstBad?.problem ?? null,
      ],
    );
    return toRun(row);
  }
}
