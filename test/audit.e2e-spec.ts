import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  AUDIT_EVENT_JSON,
  eventDigest,
  GENESIS_HASH,
  SealedEvent,
  sealedEventsSql,
  sealHash,
  sealHashSql,
} from '../src/audit/audit-chain';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { AuditVerifier, SEAL_PAGE } from '../src/audit/audit-verifier.service';
import { AuditModule } from '../src/audit/audit.module';
import { loadConfig } from '../src/config/config';
import { ConfigModule } from '../src/config/config.module';
import { dataSourceOptions } from '../src/database/data-source';
import { createScratchDatabase } from './helpers/database';

const ROOT = join(__dirname, '..');
const INSERT = `INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload)
  VALUES ('system', $1, 'test', $2, $3) RETURNING id::text AS id`;

/** A scratch database with the real migrations, plus a sealer and verifier on it. */
interface Trail {
  url: string;
  ds: DataSource;
  sealer: AuditSealer;
  verifier: AuditVerifier;
  close(): Promise<void>;
}

const open: Trail[] = [];

async function trail(name: string): Promise<Trail> {
  const url = await createScratchDatabase(name);
  const ds = await new DataSource({ ...dataSourceOptions(url), extra: { max: 4 } }).initialize();
  const sealer = new AuditSealer(ds, { auditSealMs: 1000 });
  const t: Trail = {
    url,
    ds,
    sealer,
    verifier: new AuditVerifier(ds),
    close: async () => {
      await sealer.onModuleDestroy();
      await ds.destroy();
    },
  };
  open.push(t);
  return t;
}

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

async function insert(c: Client | DataSource, action: string, n: number): Promise<string> {
  const rows = (
    c instanceof DataSource
      ? await c.query(INSERT, [action, String(n), JSON.stringify({ n })])
      : (await c.query(INSERT, [action, String(n), JSON.stringify({ n })])).rows
  ) as Array<{ id: string }>;
  return rows[0].id;
}

/** Every sealed id in seal order, duplicates kept, plus the latest low-water mark. */
async function sealedIds(ds: DataSource): Promise<{ ids: string[]; lowWater: string }> {
  const seals = await ds.query<Array<{ ids: string[]; lw: string }>>(
    `SELECT event_ids::text[] AS ids, low_water::text AS lw FROM audit_seal ORDER BY id`,
  );
  return { ids: seals.flatMap((s) => s.ids), lowWater: seals.at(-1)?.lw ?? '0' };
}

async function committedIds(ds: DataSource): Promise<string[]> {
  const rows = await ds.query<Array<{ id: string }>>(`SELECT id::text AS id FROM audit_event ORDER BY id`);
  return rows.map((r) => r.id);
}

/** As a superuser with the append-only triggers off: what an attacker with the database could do. */
async function tamper(url: string, sql: string): Promise<void> {
  const c = await connect(url);
  try {
    await c.query('ALTER TABLE audit_event DISABLE TRIGGER ALL');
    await c.query(sql);
    await c.query('ALTER TABLE audit_event ENABLE TRIGGER ALL');
  } finally {
    await c.end();
  }
}

/**
 * Seals until `total` events are sealed. The sealer only takes events below the oldest running
 * transaction on the whole server (xmin), so another connection's open transaction (another
 * spec, another run) can hold it back for a while: wait for it rather than fail.
 */
async function sealAll(t: Trail, total: number): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    await t.sealer.sealNow();
    const [{ n }] = await t.ds.query<Array<{ n: number }>>(
      `SELECT coalesce(sum(cardinality(event_ids)), 0)::int AS n FROM audit_seal`,
    );
    if (n >= total || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Seals until `expected` more events are sealed (waiting out xmin as sealAll does); returns how many. */
async function sealMore(sealer: AuditSealer, expected: number): Promise<number> {
  const deadline = Date.now() + 45_000;
  let total = await sealer.sealNow();
  while (total < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    total += await sealer.sealNow();
  }
  return total;
}

/** A trail of `count` events (one transaction each), sealed in two batches, verified intact. */
async function sealedTrail(name: string, count: number): Promise<Trail & { ids: string[] }> {
  const t = await trail(name);
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    ids.push(await insert(t.ds, 'sample', n));
    if (n === Math.floor(count / 2)) await sealAll(t, n + 1);
  }
  await sealAll(t, count);
  const before = await t.verifier.verify();
  expect(before).toMatchObject({ ok: true, sealedEvents: count, unsealed: 0 });
  expect(before.seals).toBeGreaterThanOrEqual(2);
  return { ...t, ids };
}

function runCli(url: string, args: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'audit:verify', '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

afterAll(async () => {
  for (const t of open) await t.close();
});

describe('audit trail: append-only in the database', () => {
  it('refuses UPDATE, DELETE and TRUNCATE on audit_event and audit_seal', async () => {
    const t = await sealedTrail('nd_audit_append_only', 3);
    const c = await connect(t.url);
    try {
      for (const sql of [
        `UPDATE audit_event SET payload = '{}'`,
        `DELETE FROM audit_event`,
        `TRUNCATE audit_event CASCADE`,
        `UPDATE audit_seal SET hash = 'x'`,
        `DELETE FROM audit_seal`,
        `TRUNCATE audit_seal`,
      ]) {
        await expect(c.query(sql)).rejects.toThrow(/append-only/);
      }
      expect(await committedIds(t.ds)).toEqual(t.ids);
      expect((await t.verifier.verify()).ok).toBe(true);
    } finally {
      await c.end();
    }
  });
});

describe('audit trail: sealing', () => {
  it('seals an event committed out of id order before an older open one, then the older one, each once', async () => {
    const t = await trail('nd_audit_order');
    const early = await connect(t.url); // takes its xid first, inserts last
    const late = await connect(t.url); // inserts first (lower id), commits last
    const doomed = await connect(t.url); // inserts, then rolls back: a gap in the ids
    try {
      await early.query('BEGIN');
      await early.query('SELECT pg_current_xact_id()');
      await late.query('BEGIN');
      const lowId = await insert(late, 'late', 1);
      await doomed.query('BEGIN');
      const gapId = await insert(doomed, 'doomed', 2);
      const highId = await insert(early, 'early', 3);
      await early.query('COMMIT');
      expect(BigInt(lowId)).toBeLessThan(BigInt(highId));

      // `early` committed with an xid below the open `late`: sealable although its id is higher.
      expect(await sealMore(t.sealer, 1)).toBe(1);
      let sealed = await sealedIds(t.ds);
      expect(sealed.ids).toEqual([highId]);
      expect(BigInt(sealed.lowWater)).toBeLessThan(BigInt(lowId));
      expect(await t.verifier.verify()).toMatchObject({ ok: true, sealedEvents: 1, unsealed: 0 });

      await late.query('COMMIT');
      await doomed.query('ROLLBACK');
      expect(await sealMore(t.sealer, 1)).toBe(1);
      sealed = await sealedIds(t.ds);
      expect(sealed.ids).toEqual([highId, lowId]);
      // The rolled-back id is a gap whose writer is over: low_water passes it.
      expect(BigInt(sealed.lowWater)).toBeGreaterThanOrEqual(BigInt(highId));
      expect(BigInt(sealed.lowWater)).toBeGreaterThan(BigInt(gapId));
      expect(await t.sealer.sealNow()).toBe(0);
      expect(await t.verifier.verify()).toMatchObject({ ok: true, sealedEvents: 2, seals: 2, unsealed: 0 });
    } finally {
      await Promise.all([early.end(), late.end(), doomed.end()]);
    }
  });

  it('does not move low_water past an id held by a transaction still open, even after later ids are sealed', async () => {
    const t = await trail('nd_audit_open_writer');
    const holder = await connect(t.url);
    try {
      await insert(t.ds, 'before', 0);
      await t.sealer.sealNow();
      await holder.query('BEGIN');
      await holder.query('SELECT 1'); // no xid yet: its xid will be newer than the events below
      const heldId = await insert(holder, 'held', 1);
      // Committed after `holder` took its id; their xids are above holder's, so nothing is sealable yet.
      const after = [await insert(t.ds, 'after', 2), await insert(t.ds, 'after', 3)];
      expect(await t.sealer.sealNow()).toBe(0);
      await holder.query('ROLLBACK');
      expect(await sealMore(t.sealer, 2)).toBe(2);
      const sealed = await sealedIds(t.ds);
      expect(sealed.ids.slice(1)).toEqual(after);
      expect(BigInt(sealed.lowWater)).toBeGreaterThan(BigInt(heldId));
      expect((await t.verifier.verify()).ok).toBe(true);
    } finally {
      await holder.end();
    }
  });

  it('seals every committed event exactly once under concurrent writers, late commits and rollbacks', async () => {
    const t = await trail('nd_audit_concurrent');
    // A second instance's sealer racing the first: the advisory lock must keep them from double-sealing.
    const rival = new AuditSealer(t.ds, { auditSealMs: 1000 });
    const [longOpen, longRolledBack, early] = await Promise.all([connect(t.url), connect(t.url), connect(t.url)]);
    const workers = await Promise.all(Array.from({ length: 8 }, () => connect(t.url)));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      let stop = false;
      const sealing = (async () => {
        for (let passes = 0; !stop && passes < 2000; passes++) {
          await Promise.all([t.sealer.sealNow(), rival.sealNow()]);
          await sleep(2);
        }
      })();

      const committedPerWorker = 25;
      let lateIds: string[] = [];
      const writing = workers.map(async (c, w) => {
        let committed = 0;
        for (let round = 0; committed < committedPerWorker; round++) {
          const size = Math.min(1 + ((w + round) % 3), committedPerWorker - committed);
          const rollback = round % 4 === 3;
          await c.query('BEGIN');
          // Half the transactions take their xid before their ids: commit order then differs from id order.
          if ((w + round) % 2 === 0) await c.query('SELECT pg_current_xact_id()');
          await sleep((w * 7 + round * 3) % 3);
          for (let i = 0; i < size; i++)
            await insert(c, rollback ? 'rolled-back' : 'worker', w * 1000 + round * 10 + i);
          // Every fifth stays open while later ids commit and get sealed.
          await sleep(round % 5 === 2 ? 30 : (w + round) % 2);
          await c.query(rollback ? 'ROLLBACK' : 'COMMIT');
          if (!rollback) committed += size;
        }
      });
      // Midway, a transaction takes ids and stays open to the end; another rolls back at the end.
      // `early` took its xid before them but inserts after: sealable above their open ids.
      await sleep(40);
      await early.query('BEGIN');
      await early.query('SELECT pg_current_xact_id()');
      await longOpen.query('BEGIN');
      lateIds = [await insert(longOpen, 'long-open', -1), await insert(longOpen, 'long-open', -2)];
      await longRolledBack.query('BEGIN');
      await insert(longRolledBack, 'long-rolled-back', -3);
      const earlyId = await insert(early, 'early', -4);
      await early.query('COMMIT');
      await Promise.all(writing);
      stop = true;
      await sealing;

      await t.sealer.sealNow();
      let sealed = await sealedIds(t.ds);
      for (const id of lateIds) expect(sealed.ids).not.toContain(id);
      expect(sealed.ids).toContain(earlyId);
      expect(BigInt(sealed.lowWater)).toBeLessThan(BigInt(lateIds[0]));
      expect(new Set(sealed.ids).size).toBe(sealed.ids.length);
      const midway = await t.verifier.verify();
      expect(midway.ok).toBe(true);
      expect(midway.unsealed).toBeGreaterThanOrEqual(2);

      await longOpen.query('COMMIT');
      await longRolledBack.query('ROLLBACK');
      for (let i = 0; i < 3; i++) await Promise.all([t.sealer.sealNow(), rival.sealNow()]);
      await sealAll(t, 8 * committedPerWorker + 3);

      sealed = await sealedIds(t.ds);
      const committed = await committedIds(t.ds);
      expect(committed).toHaveLength(8 * committedPerWorker + 3);
      expect(new Set(sealed.ids).size).toBe(sealed.ids.length); // never twice
      expect([...sealed.ids].sort()).toEqual([...committed].sort()); // every one
      const [{ last }] = await t.ds.query<Array<{ last: string }>>(
        `SELECT last_value::text AS last FROM audit_event_id_seq`,
      );
      expect(sealed.lowWater).toBe(last); // all gaps (rolled-back ids) are behind low_water
      expect(await t.verifier.verify()).toMatchObject({ ok: true, sealedEvents: committed.length, unsealed: 0 });
    } finally {
      await rival.onModuleDestroy();
      await Promise.all([longOpen.end(), longRolledBack.end(), early.end(), ...workers.map((c) => c.end())]);
    }
  });

  it('runs on a timer from application bootstrap and stops on shutdown', async () => {
    const url = await createScratchDatabase('nd_audit_timer');
    const config = { ...loadConfig({}), databaseUrl: url, auditSealMs: 50 };
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(url)), AuditModule],
    }).compile();
    await moduleRef.init();
    const ds = moduleRef.get(DataSource);
    await insert(ds, 'timer', 1);
    const deadline = Date.now() + 10_000;
    while ((await sealedIds(ds)).ids.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await sealedIds(ds)).ids).toHaveLength(1);
    await moduleRef.close();

    const check = await connect(url);
    try {
      await check.query(INSERT, ['after-close', '2', '{}']);
      await new Promise((r) => setTimeout(r, 300));
      const { rows } = await check.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_seal`);
      expect(rows[0].n).toBe(1);
    } finally {
      await check.end();
    }
  });
});

describe('audit trail: verification', () => {
  it('names an event edited by a superuser with the triggers disabled', async () => {
    const t = await sealedTrail('nd_audit_edit', 10);
    const victim = t.ids[6];
    await tamper(t.url, `UPDATE audit_event SET payload = payload || '{"n": 999}' WHERE id = ${victim}`);
    const r = await t.verifier.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ eventId: victim, problem: 'edited or reordered' });
  });

  it('names a deleted event', async () => {
    const t = await sealedTrail('nd_audit_delete', 10);
    const victim = t.ids[2];
    await tamper(t.url, `DELETE FROM audit_event WHERE id = ${victim}`);
    const r = await t.verifier.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ eventId: victim, problem: 'removed' });
  });

  it('names the first of two events whose payloads were swapped', async () => {
    const t = await sealedTrail('nd_audit_swap', 10);
    const [a, b] = [t.ids[7], t.ids[8]];
    await tamper(
      t.url,
      `UPDATE audit_event e SET payload = o.payload FROM audit_event o
        WHERE (e.id, o.id) IN ((${a}, ${b}), (${b}, ${a}))`,
    );
    const swapped = await t.ds.query<Array<{ payload: { n: number } }>>(
      `SELECT payload FROM audit_event WHERE id IN (${a}, ${b}) ORDER BY id`,
    );
    expect(swapped.map((r) => r.payload.n)).toEqual([8, 7]);
    const r = await t.verifier.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ eventId: a, problem: 'edited or reordered' });
  });

  it('names an event slipped in below the low-water mark', async () => {
    const t = await sealedTrail('nd_audit_insert', 4);
    await tamper(
      t.url,
      `INSERT INTO audit_event (id, actor_type, action, subject_type, subject_id) VALUES (0, 'admin', 'forged', 'x', 'y')`,
    );
    const r = await t.verifier.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ eventId: '0', problem: expect.stringMatching(/inserted/) as unknown });
  });

  it('catches a rewritten seal hash', async () => {
    const t = await sealedTrail('nd_audit_seal_edit', 6);
    const c = await connect(t.url);
    try {
      await c.query('ALTER TABLE audit_seal DISABLE TRIGGER ALL');
      await c.query(`UPDATE audit_seal SET hash = repeat('a', 64) WHERE id = (SELECT min(id) FROM audit_seal)`);
    } finally {
      await c.end();
    }
    const r = await t.verifier.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad?.problem).toMatch(/seal/);
  });

  it.each([
    ['moves its latest time back (an event then falls outside it)', `last_at = last_at - interval '1 hour'`],
    ['moves its first id up', 'first_id = first_id + 1'],
  ])('catches a seal span that no longer matches its events: %s', async (_label, change) => {
    const t = await sealedTrail(`nd_audit_span_${change.slice(0, 5)}`, 6);
    const c = await connect(t.url);
    try {
      await c.query('ALTER TABLE audit_seal DISABLE TRIGGER ALL');
      await c.query(`ALTER TABLE audit_seal DROP CONSTRAINT audit_seal_span_check`);
      await c.query(`UPDATE audit_seal SET ${change} WHERE id = (SELECT min(id) FROM audit_seal)`);
    } finally {
      await c.end();
    }
    const [first] = await t.ds.query<Array<{ id: string }>>(`SELECT min(id)::text AS id FROM audit_seal`);
    const r = await t.verifier.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ sealId: first.id, problem: expect.stringMatching(/span/) as unknown });
  });

  it('verifies a trail of several hundred seals across the page size, and points at tampering in the middle, at the end and a removed seal', async () => {
    const t = await trail('nd_audit_many_seals');
    const seals = 5 * SEAL_PAGE + 7; // crosses the verifier's page size several times, and 10, 100
    const perSeal = 2;
    const ids: string[][] = [];
    for (let s = 0; s < seals; s++) {
      // One statement, one xid: the sealer (which waits for xmin) always takes the pair together.
      const rows = await t.ds.query<Array<{ id: string }>>(
        `INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload)
         SELECT 'system', 'many', 'test', n::text, jsonb_build_object('n', n)
           FROM generate_series($1::int, $2::int) AS n ORDER BY n RETURNING id::text AS id`,
        [s * perSeal, s * perSeal + perSeal - 1],
      );
      await sealAll(t, (s + 1) * perSeal);
      ids.push(rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b)));
    }
    const heads = await t.ds.query<Array<{ id: string; ids: string[]; hash: string }>>(
      `SELECT s.id::text AS id, s.event_ids::text[] AS ids, s.hash FROM audit_seal s ORDER BY s.id`,
    );
    expect(heads).toHaveLength(seals);
    expect(heads.map((h) => h.ids)).toEqual(ids);
    const intact = await t.verifier.verify();
    expect(intact).toMatchObject({ ok: true, seals, sealedEvents: seals * perSeal, unsealed: 0 });
    expect(intact.lastHash).toBe(heads[seals - 1].hash);
    expect(await t.verifier.verify({ jobs: 1 })).toMatchObject({ ok: true, seals });
    expect(await t.verifier.verify({ jobs: 4, expect: heads[0].hash })).toMatchObject({ ok: true, seals });

    // In the middle (the third page), then put back: the trail verifies again.
    const mid = Math.floor(seals / 2) + 3;
    const midEvent = heads[mid].ids[1];
    const [saved] = await t.ds.query<Array<{ payload: string; subject: string }>>(
      `SELECT payload::text AS payload, (SELECT subject_id FROM audit_event WHERE id = $2) AS subject
         FROM audit_event WHERE id = $1`,
      [midEvent, heads[seals - 1].ids[perSeal - 1]],
    );
    await tamper(t.url, `UPDATE audit_event SET payload = jsonb_set(payload, '{n}', '-1') WHERE id = ${midEvent}`);
    expect(await t.verifier.verify()).toMatchObject({
      ok: false,
      seals: mid,
      firstBad: { eventId: midEvent, sealId: heads[mid].id, problem: 'edited or reordered' },
    });
    await tamper(t.url, `UPDATE audit_event SET payload = '${saved.payload}' WHERE id = ${midEvent}`);
    expect((await t.verifier.verify()).ok).toBe(true);

    // The last event of the last seal.
    const end = heads[seals - 1];
    const endEvent = end.ids[perSeal - 1];
    await tamper(t.url, `UPDATE audit_event SET subject_id = 'rewritten' WHERE id = ${endEvent}`);
    expect(await t.verifier.verify()).toMatchObject({
      ok: false,
      firstBad: { eventId: endEvent, sealId: end.id, problem: 'edited or reordered' },
    });
    await tamper(t.url, `UPDATE audit_event SET subject_id = '${saved.subject}' WHERE id = ${endEvent}`);
    expect((await t.verifier.verify()).ok).toBe(true);

    // A seal removed from the middle: the chain breaks at the next one.
    const gone = SEAL_PAGE * 2 - 1; // the last seal of the second page
    const c = await connect(t.url);
    try {
      await c.query('ALTER TABLE audit_seal DISABLE TRIGGER ALL');
      await c.query(`DELETE FROM audit_seal WHERE id = ${heads[gone].id}`);
      await c.query('ALTER TABLE audit_seal ENABLE TRIGGER ALL');
    } finally {
      await c.end();
    }
    expect(await t.verifier.verify()).toMatchObject({
      ok: false,
      firstBad: { sealId: heads[gone + 1].id, problem: 'prev_hash does not match the previous seal (chain broken)' },
    });
  });

  it('a removed last seal is only caught against a seal hash kept elsewhere (--expect)', async () => {
    const t = await sealedTrail('nd_audit_cut', 6);
    const kept = (await t.verifier.verify()).lastHash as string;
    const [last] = await t.ds.query<Array<{ n: number }>>(
      `SELECT cardinality(event_ids) AS n FROM audit_seal ORDER BY id DESC LIMIT 1`,
    );
    const c = await connect(t.url);
    try {
      await c.query('ALTER TABLE audit_seal DISABLE TRIGGER ALL');
      await c.query(`DELETE FROM audit_seal WHERE id = (SELECT max(id) FROM audit_seal)`);
    } finally {
      await c.end();
    }
    // Its events look like events not sealed yet: consistent, unless one remembers the old head.
    expect(await t.verifier.verify()).toMatchObject({ ok: true, unsealed: last.n });
    const r = await t.verifier.verify({ expect: kept });
    expect(r.ok).toBe(false);
    expect(r.firstBad?.problem).toMatch(/expected seal hash .* is not in the chain/);
  });

  it('names an event listed in two seals, and one listed below the previous low-water mark', async () => {
    const t = await sealedTrail('nd_audit_twice', 4);
    const [head] = await t.ds.query<Array<{ first: string; hash: string; low: string }>>(
      `SELECT s.event_ids[1]::text AS first, s.hash, s.low_water::text AS low FROM audit_seal s ORDER BY s.id DESC LIMIT 1`,
    );
    const x = await insert(t.ds, 'twice', 99);
    // Two forged successors with consistent hashes (the sealer's own SQL), both listing x while
    // keeping the low-water mark below it.
    const forge = async (prev: string) =>
      (
        await t.ds.query<Array<{ id: string; hash: string }>>(
          `INSERT INTO audit_seal (format, event_ids, event_digests, low_water, prev_hash, hash)
           SELECT 2, r.ids, r.digests, $2, $3::text, ${sealHashSql('$3::text', 'r.body')}
             FROM ${sealedEventsSql('e.id = $1::bigint', true)} r RETURNING id::text AS id, hash`,
          [x, head.low, prev],
        )
      )[0];
    const once = await forge(head.hash);
    expect(await t.verifier.verify()).toMatchObject({ ok: true, sealedEvents: 5 });
    const twice = await forge(once.hash);
    expect(await t.verifier.verify()).toMatchObject({
      ok: false,
      firstBad: { sealId: twice.id, eventId: x, problem: 'sealed twice' },
    });

    const t2 = await sealedTrail('nd_audit_below', 4);
    const [h2] = await t2.ds.query<Array<{ first: string; hash: string; low: string }>>(
      `SELECT s.event_ids[1]::text AS first, s.hash, s.low_water::text AS low FROM audit_seal s ORDER BY s.id DESC LIMIT 1`,
    );
    const [below] = await t2.ds.query<Array<{ id: string }>>(
      `INSERT INTO audit_seal (format, event_ids, event_digests, low_water, prev_hash, hash)
       SELECT 2, r.ids, r.digests, $2, $3::text, ${sealHashSql('$3::text', 'r.body')}
         FROM ${sealedEventsSql('e.id = $1::bigint', true)} r RETURNING id::text AS id`,
      [h2.first, h2.low, h2.hash],
    );
    expect(await t2.verifier.verify()).toMatchObject({
      ok: false,
      firstBad: {
        sealId: below.id,
        eventId: h2.first,
        problem: 'seal lists events out of order or below the low-water mark',
      },
    });
  });

  it('still verifies seals written in the old format (1), before and after new ones, and names an edit in them', async () => {
    const t = await trail('nd_audit_format1');
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await insert(t.ds, 'legacy', n));
    // What the sealer wrote before migration 1764400000000: hash over RFC 8785 JSON made in Node.
    const events = (
      await t.ds.query<Array<{ event: SealedEvent }>>(
        `SELECT ${AUDIT_EVENT_JSON} AS event FROM audit_event ORDER BY audit_event.id`,
      )
    ).map((r) => r.event);
    let prev = GENESIS_HASH;
    for (const part of [events.slice(0, 2), events.slice(2)]) {
      const hash = sealHash(prev, part);
      await t.ds.query(
        `INSERT INTO audit_seal (format, event_ids, event_digests, low_water, prev_hash, hash)
         VALUES (1, $1::bigint[], $2::text[], $3, $4, $5)`,
        [part.map((e) => e.id), part.map(eventDigest), part.at(-1)?.id, prev, hash],
      );
      prev = hash;
    }
    for (let n = 5; n < 9; n++) ids.push(await insert(t.ds, 'current', n));
    await sealAll(t, 9);
    const formats = await t.ds.query<Array<{ format: number }>>(`SELECT format FROM audit_seal ORDER BY id`);
    expect(formats.map((f) => f.format)).toEqual([1, 1, 2]);
    expect(await t.verifier.verify()).toMatchObject({ ok: true, seals: 3, sealedEvents: 9, unsealed: 0 });

    await tamper(t.url, `UPDATE audit_event SET action = 'rewritten' WHERE id = ${ids[3]}`);
    const r = await t.verifier.verify();
    expect(r).toMatchObject({ ok: false, seals: 1, firstBad: { eventId: ids[3], problem: 'edited or reordered' } });
  });

  it('hashes the same whatever the session TimeZone and DateStyle', async () => {
    const t = await sealedTrail('nd_audit_timezone', 3);
    const other = await new DataSource({
      ...dataSourceOptions(t.url),
      extra: { max: 2, options: '-c TimeZone=Asia/Shanghai -c DateStyle=German,DMY -c extra_float_digits=-3' },
    }).initialize();
    try {
      expect(await new AuditVerifier(other).verify()).toMatchObject({ ok: true, sealedEvents: 3 });
    } finally {
      await other.destroy();
    }
  });

  it('npm run audit:verify exits 0 when intact, 1 naming the event when not, 2 when it cannot connect', async () => {
    const t = await sealedTrail('nd_audit_cli', 5);
    const intact = await runCli(t.url);
    expect(intact.out).toMatch(/intact/);
    expect(intact.out).toMatch(/[\d,]+ events\/s/);
    const head = /last seal hash ([0-9a-f]{64})/.exec(intact.out)?.[1] as string;
    expect(head).toBeDefined();
    expect(intact.code).toBe(0);
    expect((await runCli(t.url, ['--expect', head, '--jobs', '1'])).code).toBe(0);
    const elsewhere = await runCli(t.url, [`--expect=${'e'.repeat(64)}`]);
    expect(elsewhere.out).toMatch(/BROKEN.*not in the chain/);
    expect(elsewhere.code).toBe(1);
    const usage = await runCli(t.url, ['--expect', 'nope']);
    expect(usage.out).toMatch(/64 hex digits/);
    expect(usage.code).toBe(2);

    const victim = t.ids[3];
    await tamper(t.url, `UPDATE audit_event SET action = 'rewritten' WHERE id = ${victim}`);
    const broken = await runCli(t.url);
    expect(broken.out).toContain(`event ${victim}`);
    expect(broken.out).toMatch(/edited or reordered/);
    expect(broken.code).toBe(1);

    const down = await runCli('postgres://postgres@127.0.0.1:1/nowhere');
    expect(down.out).toMatch(/cannot connect/);
    expect(down.code).toBe(2);
  });
});
