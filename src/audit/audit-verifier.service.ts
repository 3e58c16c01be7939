import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import {
  AUDIT_EVENT_JSON,
  EVENT_DIGEST_SQL,
  GENESIS_HASH,
  eventDigest,
  SealedEvent,
  sealedEventsSql,
  sealHash,
  sealHashSql,
} from './audit-chain';

export interface AuditProblem {
  eventId?: string;
  sealId?: string;
  problem: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Events covered by the seals walked (all of them when ok). */
  sealedEvents: number;
  seals: number;
  /** Recent events not sealed yet: normal, the sealer runs a moment after commit. */
  unsealed: number;
  /** The newest seal's hash (null without seals): keep it elsewhere and pass it back as `expect`. */
  lastHash: string | null;
  firstBad?: AuditProblem;
}

export interface VerifyOptions {
  /** Connections checking seal ranges in parallel, all in one exported snapshot (default 2). */
  jobs?: number;
  /** A seal hash recorded earlier: the trail is broken unless that seal is still in the chain. */
  expect?: string;
}

/** Seals per unit of work handed to a connection (about 50,000 events at 1,000 a seal). */
export const SEAL_PAGE = 50;

/** One row per seal, in chain order: what the chain walk needs, without the events. */
interface SealHead {
  id: string;
  format: number;
  n: number;
  low_water: string;
  prev_hash: string;
  hash: string;
  first_id: string;
  last_id: string;
}

/**
 * Recomputes the hash chain from the events' current content, read-only, in one REPEATABLE READ
 * snapshot (exported to the helper connections, so all of them see the same trail).
 *
 * 1. Chain: each seal's prev_hash is the previous seal's hash; low_water never goes back; every
 *    seal's first event is above the previous low_water (so only an event still above a seal's
 *    own low_water can ever be listed again, in a seal whose "window" still covers it).
 * 2. Content, in parallel over ranges of SEAL_PAGE seals: format 2 seals entirely in PostgreSQL
 *    (sealedEventsSql + sealHashSql, the sealer's own SQL), format 1 seals in Node as before.
 * 3. Coverage: no event id in two seals, and every event at or below the last low_water is in a
 *    seal (counted, then named only if the counts disagree).
 * The first seal (in chain order) with a problem is then examined on its own to name the event.
 */
@Injectable()
export class AuditVerifier {
  constructor(private readonly db: DataSource) {}

  async verify(options: VerifyOptions = {}): Promise<AuditVerification> {
    const jobs = Math.max(1, Math.floor(options.jobs ?? 2));
    const runners: QueryRunner[] = [];
    const open = async (): Promise<QueryRunner> => {
      const qr = this.db.createQueryRunner();
      runners.push(qr);
      await qr.connect();
      await qr.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return qr;
    };
    try {
      const main = await open();
      const helpers: QueryRunner[] = [];
      if (jobs > 1) {
        const [{ snapshot }] = (await main.query('SELECT pg_export_snapshot() AS snapshot')) as Array<{
          snapshot: string;
        }>;
        for (let i = 1; i < jobs; i++) {
          const qr = await open();
          await qr.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
          helpers.push(qr);
        }
      }
      return await this.check(main, [main, ...helpers], options.expect);
    } finally {
      for (const qr of runners) {
        await qr.query('ROLLBACK').catch(() => undefined);
        await qr.release();
      }
    }
  }

  private async check(main: QueryRunner, pool: QueryRunner[], expect?: string): Promise<AuditVerification> {
    // `ORDER BY s.id`, qualified: a bare `id` would name the id::text output column and walk
    // the seals in text order (1, 10, 100, 2, ...).
    const heads = (await main.query(
      `SELECT s.id::text AS id, s.format, cardinality(s.event_ids) AS n, s.low_water::text AS low_water,
              s.prev_hash, s.hash, s.event_ids[1]::text AS first_id,
              s.event_ids[cardinality(s.event_ids)]::text AS last_id
         FROM audit_seal s ORDER BY s.id`,
    )) as SealHead[];
    const lastLowWater = heads.at(-1)?.low_water ?? '0';

    // Content checks and the event counts, spread over the connections.
    const bad = new Set<string>();
    const badSpan = new Set<string>();
    const tasks: Array<(qr: QueryRunner) => Promise<void>> = [];
    for (let i = 0; i < heads.length; i += SEAL_PAGE) {
      const page = heads.slice(i, i + SEAL_PAGE);
      tasks.push(async (qr) => {
        for (const r of await this.badFormat2(qr, page[0].id, page[page.length - 1].id))
          (r.content ? bad : badSpan).add(r.id);
        const legacy = page.filter((h) => h.format === 1);
        if (legacy.length) for (const id of await this.badFormat1(qr, legacy)) bad.add(id);
      });
    }
    let eventsLow = 0;
    let eventsHigh = 0;
    tasks.push(async (qr) => {
      const [r] = (await qr.query(
        `SELECT count(*) FILTER (WHERE id <= $1)::int AS low, count(*) FILTER (WHERE id > $1)::int AS high
           FROM audit_event`,
        [lastLowWater],
      )) as Array<{ low: number; high: number }>;
      eventsLow = r.low;
      eventsHigh = r.high;
    });
    const duplicates = this.duplicates(heads);
    let duplicate: { sealId: string; eventId: string } | undefined;
    if (duplicates.length)
      tasks.push(async (qr) => {
        duplicate = await this.firstDuplicate(qr, duplicates);
      });
    let sealedHigh = 0;
    tasks.push(async (qr) => {
      const [r] = (await qr.query(
        `SELECT count(*)::int AS n FROM audit_seal s, unnest(s.event_ids) AS x
          WHERE s.event_ids[cardinality(s.event_ids)] > $1 AND x > $1`,
        [lastLowWater],
      )) as Array<{ n: number }>;
      sealedHigh = r.n;
    });
    await runAll(pool, tasks);

    const result: AuditVerification = {
      ok: true,
      sealedEvents: 0,
      seals: 0,
      unsealed: eventsHigh - sealedHigh,
      lastHash: null,
    };
    const fail = (firstBad: AuditProblem): AuditVerification => ({ ...result, ok: false, firstBad });
    let prevHash = GENESIS_HASH;
    let prevLowWater = 0n;
    let expected = expect === undefined;
    for (const seal of heads) {
      const sealId = seal.id;
      if (seal.prev_hash !== prevHash)
        return fail({ sealId, problem: 'prev_hash does not match the previous seal (chain broken)' });
      const lowWater = BigInt(seal.low_water);
      if (lowWater < prevLowWater) return fail({ sealId, problem: 'low-water mark went backwards' });
      if (BigInt(seal.first_id) <= prevLowWater)
        return fail({
          eventId: seal.first_id,
          sealId,
          problem: 'seal lists events out of order or below the low-water mark',
        });
      if (bad.has(sealId)) return fail(await this.diagnose(main, seal, prevLowWater));
      if (duplicate?.sealId === sealId) return fail({ ...duplicate, problem: 'sealed twice' });
      if (badSpan.has(sealId))
        return fail({
          sealId,
          problem: 'seal span does not match its events (seal row altered; date filters could miss events)',
        });
      if (seal.hash === expect) expected = true;
      prevHash = seal.hash;
      prevLowWater = lowWater;
      result.seals += 1;
      result.sealedEvents += seal.n;
      result.lastHash = seal.hash;
    }

    // With no event in two seals and every sealed event present, the sealed ids at or below the
    // last low-water mark are exactly that many distinct events; any other event there was
    // inserted behind the sealer's back (or dropped from a seal's coverage).
    const sealedLow = result.sealedEvents - sealedHigh;
    if (eventsLow !== sealedLow) {
      const [stray] = (await main.query(
        `WITH sealed AS (SELECT unnest(event_ids) AS id FROM audit_seal)
         SELECT min(e.id)::text AS id FROM audit_event e
          WHERE e.id <= $1 AND NOT EXISTS (SELECT 1 FROM sealed WHERE sealed.id = e.id)`,
        [lastLowWater],
      )) as Array<{ id: string | null }>;
      return fail({
        eventId: stray.id ?? undefined,
        problem: 'inserted below the low-water mark (in no seal)',
      });
    }
    if (!expected)
      return fail({ problem: `the expected seal hash ${expect} is not in the chain (history rewritten or cut)` });
    return result;
  }

  /**
   * Format 2 seals in [fromId, toId] whose events no longer hash to the seal (`content`), or whose
   * span (first/last event id and occurred_at, migration 1766900000000) is not that of its events
   * (`span` only: the audit log finds a date range's events through the spans, so an altered span
   * could hide events from a date-filtered view while the chain still verified). Fast path: the
   * events between the seal's first and last id, when that range holds exactly the seal's events
   * (the common case: a range scan, no per-id lookups); otherwise the listed ids.
   */
  private async badFormat2(
    qr: QueryRunner,
    fromId: string,
    toId: string,
  ): Promise<Array<{ id: string; content: boolean }>> {
    const first = 's.event_ids[1]';
    const last = 's.event_ids[cardinality(s.event_ids)]';
    return (await qr.query(
      `SELECT s.id::text AS id, (b.body IS NULL OR ${sealHashSql('s.prev_hash', 'b.body')} <> s.hash) AS content
         FROM audit_seal s
         CROSS JOIN LATERAL ${sealedEventsSql(`${last} - ${first} < 2 * cardinality(s.event_ids) AND e.id BETWEEN ${first} AND ${last}`)} r
         LEFT JOIN LATERAL (
                SELECT r.body, r.first_at, r.last_at WHERE r.ids = s.event_ids
                UNION ALL
                SELECT l.body, l.first_at, l.last_at FROM ${sealedEventsSql('e.id = ANY(s.event_ids)')} l
                 WHERE r.ids IS DISTINCT FROM s.event_ids AND l.ids = s.event_ids) b ON true
        WHERE s.id BETWEEN $1 AND $2 AND s.format = 2
          AND (b.body IS NULL OR ${sealHashSql('s.prev_hash', 'b.body')} <> s.hash
               OR (s.first_id, s.last_id, s.first_at, s.last_at) IS DISTINCT FROM (${first}, ${last}, b.first_at, b.last_at))`,
      [fromId, toId],
    )) as Array<{ id: string; content: boolean }>;
  }

  /** Format 1 seals (before migration 1764400000000) whose events no longer hash to the seal, in Node. */
  private async badFormat1(qr: QueryRunner, seals: SealHead[]): Promise<string[]> {
    const rows = (await qr.query(
      `SELECT s.id::text AS seal_id, (SELECT coalesce(json_agg(${AUDIT_EVENT_JSON} ORDER BY e.id), '[]')
                 FROM audit_event e WHERE e.id = ANY(s.event_ids)) AS events, s.event_ids::text[] AS event_ids
         FROM audit_seal s WHERE s.id = ANY($1::bigint[])`,
      [seals.map((s) => s.id)],
    )) as Array<{ seal_id: string; events: SealedEvent[]; event_ids: string[] }>;
    const byId = new Map(seals.map((s) => [s.id, s]));
    return rows
      .filter((r) => {
        const seal = byId.get(r.seal_id) as SealHead;
        const ids = r.events.map((e) => e.id);
        return ids.join(',') !== r.event_ids.join(',') || sealHash(seal.prev_hash, r.events) !== seal.hash;
      })
      .map((r) => r.seal_id);
  }

  /**
   * An id can only be sealed twice while it is above the low-water mark: seal t lists ids above
   * low_water(t-1) >= low_water(s) for every earlier s. So the candidates are the pairs of seals
   * whose id ranges overlap; usually none.
   */
  private duplicates(heads: SealHead[]): Array<[string, string]> {
    const pairs: Array<[string, string]> = [];
    const open: SealHead[] = [];
    for (const seal of heads) {
      const low = BigInt(seal.low_water);
      for (const earlier of open)
        if (BigInt(earlier.last_id) >= BigInt(seal.first_id) && BigInt(earlier.first_id) <= BigInt(seal.last_id))
          pairs.push([earlier.id, seal.id]);
      open.push(seal);
      // Seals wholly at or below this low-water mark can overlap no later seal.
      for (let i = open.length - 1; i >= 0; i--) if (BigInt(open[i].last_id) <= low) open.splice(i, 1);
    }
    return pairs;
  }

  private async firstDuplicate(
    qr: QueryRunner,
    pairs: Array<[string, string]>,
  ): Promise<{ sealId: string; eventId: string } | undefined> {
    const [row] = (await qr.query(
      `SELECT p.later::text AS seal_id, min(d.x)::text AS event_id
         FROM unnest($1::bigint[], $2::bigint[]) AS p(earlier, later)
         CROSS JOIN LATERAL (SELECT x FROM audit_seal a, unnest(a.event_ids) AS x WHERE a.id = p.earlier
                             INTERSECT
                             SELECT y FROM audit_seal b, unnest(b.event_ids) AS y WHERE b.id = p.later) AS d(x)
        GROUP BY p.later ORDER BY p.later LIMIT 1`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    )) as Array<{ seal_id: string; event_id: string }>;
    return row ? { sealId: row.seal_id, eventId: row.event_id } : undefined;
  }

  /** Names what is wrong with one seal whose events no longer hash to it. */
  private async diagnose(qr: QueryRunner, seal: SealHead, prevLowWater: bigint): Promise<AuditProblem> {
    const sealId = seal.id;
    const [row] = (await qr.query(
      `SELECT event_ids::text[] AS ids, event_digests AS digests FROM audit_seal WHERE id = $1`,
      [sealId],
    )) as Array<{ ids: string[]; digests: string[] }>;
    let lastId = prevLowWater;
    for (const eventId of row.ids) {
      if (BigInt(eventId) <= lastId)
        return { eventId, sealId, problem: 'seal lists events out of order or below the low-water mark' };
      lastId = BigInt(eventId);
    }
    const events = (await qr.query(
      seal.format === 1
        ? `SELECT e.id::text AS id, ${AUDIT_EVENT_JSON} AS event FROM audit_event e WHERE e.id = ANY($1::bigint[])`
        : `SELECT e.id::text AS id, ${EVENT_DIGEST_SQL} AS digest FROM audit_event e WHERE e.id = ANY($1::bigint[])`,
      [row.ids],
    )) as Array<{ id: string; event?: SealedEvent; digest?: string }>;
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const [i, eventId] of row.ids.entries()) {
      const event = byId.get(eventId);
      if (!event) return { eventId, sealId, problem: 'removed' };
      const digest = event.event ? eventDigest(event.event) : event.digest;
      if (digest !== row.digests[i]) return { eventId, sealId, problem: 'edited or reordered' };
    }
    return { sealId, problem: 'seal hash does not match its events (seal row altered)' };
  }
}

/** Runs the tasks over the connections, each connection taking the next task when it is free. */
async function runAll(pool: QueryRunner[], tasks: Array<(qr: QueryRunner) => Promise<void>>): Promise<void> {
  let next = 0;
  await Promise.all(
    pool.map(async (qr) => {
      while (next < tasks.length) await tasks[next++](qr);
    }),
  );
}
