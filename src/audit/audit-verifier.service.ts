import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { AUDIT_EVENT_JSON, GENESIS_HASH, eventDigest, SealedEvent, sealHash } from './audit-chain';

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
  firstBad?: AuditProblem;
}

interface SealRow {
  id: string;
  event_ids: string[];
  event_digests: string[];
  low_water: string;
  prev_hash: string;
  hash: string;
}

const SEAL_PAGE = 100;

/**
 * Recomputes the hash chain from the events' current content. Read-only, in one REPEATABLE READ
 * snapshot so seals and events agree. It proves the stored history matches what was sealed; an
 * attacker who rewrites events, digests and every later seal hash is only caught by comparing the
 * latest hash with a copy kept elsewhere.
 */
@Injectable()
export class AuditVerifier {
  constructor(private readonly db: DataSource) {}

  async verify(): Promise<AuditVerification> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      await qr.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return await this.walk(qr);
    } finally {
      await qr.query('ROLLBACK').catch(() => undefined);
      await qr.release();
    }
  }

  private async walk(qr: QueryRunner): Promise<AuditVerification> {
    const [head] = (await qr.query(
      `SELECT low_water::text AS low_water FROM audit_seal ORDER BY id DESC LIMIT 1`,
    )) as Array<{
      low_water: string;
    }>;
    const lastLowWater = head?.low_water ?? '0';
    const [{ unsealed }] = (await qr.query(
      `WITH sealed AS (
         SELECT x AS id FROM audit_seal s, unnest(s.event_ids) AS x WHERE s.event_ids[cardinality(s.event_ids)] > $1)
       SELECT count(*)::int AS unsealed FROM audit_event e
        WHERE e.id > $1 AND NOT EXISTS (SELECT 1 FROM sealed WHERE sealed.id = e.id)`,
      [lastLowWater],
    )) as Array<{ unsealed: number }>;

    const result: AuditVerification = { ok: true, sealedEvents: 0, seals: 0, unsealed };
    const fail = (firstBad: AuditProblem): AuditVerification => ({ ...result, ok: false, firstBad });
    const sealedIds = new Set<string>();
    let prevHash = GENESIS_HASH;
    let prevLowWater = 0n;
    let after = '0';

    for (;;) {
      const seals = (await qr.query(
        `SELECT id::text AS id, event_ids::text[] AS event_ids, event_digests, low_water::text AS low_water, prev_hash, hash
           FROM audit_seal WHERE id > $1 ORDER BY id LIMIT ${SEAL_PAGE}`,
        [after],
      )) as SealRow[];
      if (seals.length === 0) break;
      after = seals[seals.length - 1].id;
      const rows = (await qr.query(
        `SELECT ${AUDIT_EVENT_JSON} AS event FROM audit_event WHERE id = ANY($1::bigint[])`,
        [seals.flatMap((s) => s.event_ids)],
      )) as Array<{ event: SealedEvent }>;
      const byId = new Map(rows.map((r) => [r.event.id, r.event]));

      for (const seal of seals) {
        const sealId = seal.id;
        if (seal.prev_hash !== prevHash)
          return fail({ sealId, problem: 'prev_hash does not match the previous seal (chain broken)' });
        let lastId = prevLowWater;
        const events: SealedEvent[] = [];
        for (const eventId of seal.event_ids) {
          const id = BigInt(eventId);
          if (sealedIds.has(eventId)) return fail({ eventId, sealId, problem: 'sealed twice' });
          if (id <= lastId)
            return fail({ eventId, sealId, problem: 'seal lists events out of order or below the low-water mark' });
          const event = byId.get(eventId);
          if (!event) return fail({ eventId, sealId, problem: 'removed' });
          sealedIds.add(eventId);
          events.push(event);
          lastId = id;
        }
        if (sealHash(seal.prev_hash, events) !== seal.hash) {
          const i = events.findIndex((e, n) => eventDigest(e) !== seal.event_digests[n]);
          if (i >= 0) return fail({ eventId: events[i].id, sealId, problem: 'edited or reordered' });
          return fail({ sealId, problem: 'seal hash does not match its events (seal row altered)' });
        }
        const lowWater = BigInt(seal.low_water);
        if (lowWater < prevLowWater) return fail({ sealId, problem: 'low-water mark went backwards' });
        prevHash = seal.hash;
        prevLowWater = lowWater;
        result.seals += 1;
        result.sealedEvents += events.length;
      }
    }

    // Every event at or below the last low-water mark must be in a seal; one that is not was
    // inserted behind the sealer's back (or dropped from a seal's coverage).
    const [stray] = (await qr.query(
      `WITH sealed AS (SELECT unnest(event_ids) AS id FROM audit_seal)
       SELECT min(e.id)::text AS id FROM audit_event e
        WHERE e.id <= $1 AND NOT EXISTS (SELECT 1 FROM sealed WHERE sealed.id = e.id)`,
      [lastLowWater],
    )) as Array<{ id: string | null }>;
    if (stray.id !== null)
      return fail({ eventId: stray.id, problem: 'inserted below the low-water mark (in no seal)' });
    return result;
  }
}
