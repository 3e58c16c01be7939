import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AUDIT_EVENT_JSON, GENESIS_HASH, seal, SealedEvent } from './audit-chain';

/** pg_try_advisory_xact_lock key: one sealer at a time per database, across all instances. */
export const AUDIT_SEAL_LOCK = 7_400_211_885;
const BATCH = 1000;

/** Lock modes that let a transaction insert into audit_event (INSERT, COPY take RowExclusiveLock). */
const WRITER_LOCK_MODES = `'RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'`;

interface PendingHorizon {
  /** The sequence's last value when it was read. */
  upTo: bigint;
  /** Virtual transaction ids that held a writer lock on audit_event just after that read. */
  writers: string[];
}

/**
 * Seals committed audit events in batches, a moment after they commit (the way certificate-
 * transparency logs do), so writers never wait on a global chain head.
 *
 * Which events may be sealed: those whose writing transaction has surely ended, i.e. xid below
 * the snapshot's xmin. Commit order differs from id order, so an event with a small id can
 * commit after larger ones; each seal therefore lists its event ids, and sealed ids above the
 * low-water mark are excluded from later picks.
 *
 * low_water (every id <= it is sealed or will never exist) may only pass an id that is sealed,
 * or a gap (an id the sequence handed out whose row is not there) whose writer has provably
 * ended; otherwise that writer could still commit an event the sealer would never look at again.
 * Which transaction holds a gap id is invisible, so we use a fact PostgreSQL does expose: an
 * INSERT locks audit_event (RowExclusiveLock, in pg_locks) before it evaluates nextval(), and
 * keeps the lock until its transaction ends. So if we read the sequence's last value V and then
 * list the transactions holding such a lock, every id <= V is final once those transactions are
 * gone. That is "the horizon". When no writer holds the lock it is final at once; otherwise we
 * remember (V, writers) and check on a later pass. This needs CACHE 1 on the sequence (the
 * bigserial default): with a cache a session could hand out an old id later, so we then never
 * skip gaps and low_water only moves over sealed ids. It also assumes ids come from the default
 * (an explicit id below low_water shows up in the verifier as an inserted event, as it should).
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditSealer.name);
  private timer?: NodeJS.Timeout;
  private running = false;
  private destroyed = false;
  /** Serialises passes in this process (timer and sealNow()). */
  private queue: Promise<unknown> = Promise.resolve();
  private pending?: PendingHorizon;
  /** Once final, always final: the best horizon seen so far (capped by the sequence, in case of a restore). */
  private knownFinal = 0n;
  private warnedCache = false;

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'auditSealMs'>,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.schedule();
  }

  /** Stops the timer and waits for a pass in flight, before TypeORM closes the pool. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.destroyed = true;
    clearTimeout(this.timer);
    await this.queue;
  }

  /** Seals everything that can be sealed now (several batches if needed); returns how many events. */
  sealNow(): Promise<number> {
    const run = this.queue.then(async () => {
      let total = 0;
      for (let n = BATCH; n === BATCH && !this.destroyed;) {
        n = await this.sealBatch();
        total += n;
      }
      return total;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.sealNow()
        .catch((err: unknown) =>
          this.logger.error(`Sealing failed: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => this.schedule());
    }, this.config.auditSealMs);
    this.timer.unref();
  }

  /** One transaction: at most BATCH events under one new seal. */
  private async sealBatch(): Promise<number> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      // READ COMMITTED: each statement sees what the previous sealer committed before it let go of the lock.
      await qr.startTransaction('READ COMMITTED');
      await qr.query(`SET LOCAL statement_timeout = '60s'`);
      const sealed = await this.sealIn(qr);
      if (sealed > 0) await qr.commitTransaction();
      else await qr.rollbackTransaction();
      return sealed;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      throw err;
    } finally {
      await qr.release();
    }
  }

  private async sealIn(qr: QueryRunner): Promise<number> {
    const [lock] = (await qr.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [AUDIT_SEAL_LOCK])) as Array<{
      ok: boolean;
    }>;
    if (!lock.ok) return 0; // another instance is sealing

    const [head] = (await qr.query(
      `SELECT hash, low_water::text AS low_water FROM audit_seal ORDER BY id DESC LIMIT 1`,
    )) as Array<{ hash: string; low_water: string }>;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const lowWater = BigInt(head?.low_water ?? '0');

    // Before picking, so the picks and the visibility check below see every writer it vouches for.
    const horizon = await this.finalHorizon(qr);

    // Ids above low_water already sealed (committed out of id order in an earlier pass).
    const above = (await qr.query(
      `SELECT e::text AS id FROM audit_seal s CROSS JOIN LATERAL unnest(s.event_ids) AS e
        WHERE s.event_ids[cardinality(s.event_ids)] > $1 AND e > $1`,
      [lowWater.toString()],
    )) as Array<{ id: string }>;
    const done = new Set(above.map((r) => BigInt(r.id)));

    const rows = (await qr.query(
      `SELECT ${AUDIT_EVENT_JSON} AS event FROM audit_event
        WHERE id > $1 AND id <> ALL($2::bigint[])
          AND xid < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
        ORDER BY id LIMIT ${BATCH}`,
      [lowWater.toString(), above.map((r) => r.id)],
    )) as Array<{ event: SealedEvent }>;
    if (rows.length === 0) return 0;
    const events = rows.map((r) => r.event);
    for (const e of events) done.add(BigInt(e.id));

    // The new low_water stops before the first id that is neither sealed nor provably dead:
    // an event visible now but unsealed, or any unsealed id above the horizon.
    const [firstOpen] = (await qr.query(
      `SELECT min(id)::text AS id FROM audit_event WHERE id > $1 AND id <> ALL($2::bigint[])`,
      [lowWater.toString(), [...done].map(String)],
    )) as Array<{ id: string | null }>;
    let blocked = (horizon > lowWater ? horizon : lowWater) + 1n;
    while (done.has(blocked)) blocked += 1n;
    if (firstOpen.id !== null && BigInt(firstOpen.id) < blocked) blocked = BigInt(firstOpen.id);
    const newLowWater = blocked - 1n;

    const { hash, digests } = seal(prevHash, events);
    await qr.query(
      `INSERT INTO audit_seal (event_ids, event_digests, low_water, prev_hash, hash)
       VALUES ($1::bigint[], $2::text[], $3, $4, $5)`,
      [events.map((e) => e.id), digests, newLowWater.toString(), prevHash, hash],
    );
    return events.length;
  }

  /** The largest id H such that every id <= H is final: committed and visible, or never to be committed. */
  private async finalHorizon(qr: QueryRunner): Promise<bigint> {
    const [seq] = (await qr.query(
      `SELECT ps.last_value::text AS last_value, ps.cache_size::text AS cache_size FROM pg_sequences ps
        WHERE format('%I.%I', ps.schemaname, ps.sequencename)::regclass = pg_get_serial_sequence('audit_event', 'id')::regclass`,
    )) as Array<{ last_value: string | null; cache_size: string }>;
    if (!seq || seq.cache_size !== '1') {
      if (!this.warnedCache)
        this.logger.warn('audit_event id sequence is cached or unreadable: low_water only advances over sealed ids');
      this.warnedCache = true;
      return 0n;
    }
    const upTo = BigInt(seq.last_value ?? '0');
    // Read after the sequence: anyone who took an id <= upTo either has ended or is listed here.
    const writers = (
      (await qr.query(
        `SELECT DISTINCT virtualtransaction AS vxid FROM pg_locks
          WHERE locktype = 'relation' AND relation = 'audit_event'::regclass
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND mode IN (${WRITER_LOCK_MODES}) AND pid IS DISTINCT FROM pg_backend_pid()`,
      )) as Array<{ vxid: string }>
    ).map((r) => r.vxid);

    let horizon = this.knownFinal < upTo ? this.knownFinal : upTo;
    if (this.pending) {
      const [still] = (await qr.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE virtualtransaction = ANY($1::text[])`,
        [this.pending.writers],
      )) as Array<{ n: number }>;
      if (still.n === 0) {
        if (this.pending.upTo > horizon) horizon = this.pending.upTo;
        this.pending = undefined;
      }
    }
    if (writers.length === 0) {
      this.pending = undefined;
      horizon = upTo;
    }
    this.knownFinal = horizon;
    if (writers.length === 0) return horizon;
    // Keep an unresolved older horizon rather than replacing it: its writers end in finite time,
    // whereas a fresh set each pass could stay busy forever under steady load.
    this.pending ??= { upTo, writers };
    return horizon;
  }
}
