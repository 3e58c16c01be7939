/**
 * `npm run bench:reports`: every period report for a year over BENCH_COMPLAINTS complaints
 * (default 100,000; 1,000,000 for the issue's figure) and ten audit events per complaint.
 *
 * Creates the database notice_desk_bench_reports on DATABASE_URL's server (or the embedded one
 * under DATA_DIR), runs the migrations, loads with set-based SQL: complaints received over two
 * years (a year is half of them) on nine paths (duplicate at intake, open, in review, upheld,
 * rejected, withdrawn, not processed, restored after a counter-notice, appealed), their items,
 * receipt mails, missed due times, counter-notices, litigation proofs and appeals, and ten audit
 * events each (the intake event, the path's transitions, mail events for the rest). The
 * milestones are then filled by the migration's own backfill (timed: what the migration costs on
 * a database this size), then VACUUM ANALYZE. Each section of FiguresService runs for the last
 * 365 days BENCH_ITERATIONS (5) times on one connection; it prints the median and worst time per
 * section and EXPLAIN (ANALYZE, BUFFERS) of each statement. BENCH_KEEP=1 keeps the database,
 * BENCH_REUSE=1 reuses it.
 */
import { Client } from 'pg';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { plusDays } from '../../src/calendar/calendar-date';
import { WorkingDays } from '../../src/calendar/working-days.service';
import { loadConfig } from '../../src/config/config';
import { dataSourceOptions } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { FiguresRepository } from '../../src/reports/figures.repository';
import { FiguresService, SECTIONS } from '../../src/reports/figures.service';
import { parsePeriod } from '../../src/reports/report-period';
import { dateInRegion } from '../../src/calendar/calendar-date';
import { MILESTONE_BACKFILL_SQL } from '../../migrations/1766000000000-ReportMilestones';
import { ITEM_COUNT_BACKFILL_SQL } from '../../migrations/1766810000000-ComplaintItemCounts';
import { GENESIS_HASH, SEAL_FORMAT, sealHashSql, sealedEventsSql } from '../../src/audit/audit-chain';
import { AuditVerifier } from '../../src/audit/audit-verifier.service';
import { encodeCaseCursor, parseAuditQuery, parseCaseQuery } from '../../src/reports/reports.filters';
import { ReportsRepository } from '../../src/reports/reports.repository';
import { ReportsService } from '../../src/reports/reports.service';
import { TransparencyService } from '../../src/reports/transparency.service';
import { percentile } from './stats';

const env = process.env;
const DB = env.BENCH_DB ?? 'notice_desk_bench_reports';
const N = Number(env.BENCH_COMPLAINTS ?? 100_000);
const ITERATIONS = Number(env.BENCH_ITERATIONS ?? 5);
const BUDGET_MS = 2000;
const TARGET_MS = 1000;
/** Calls per search or audit-log page (each stops early after PAGE_SECONDS); p99 needs about 100. */
const PAGE_RUNS = Number(env.BENCH_PAGE_RUNS ?? 200);
const PAGE_SECONDS = Number(env.BENCH_PAGE_SECONDS ?? 20);
const PAGE_P99_MS = 50;
const VERIFY_RUNS = Number(env.BENCH_VERIFY_RUNS ?? 2);
const VERIFY_JOBS = Number(env.BENCH_JOBS ?? 2);
const VERIFY_TARGET = 200_000;
/** Which parts to run (comma-separated): sections, pages, verify, transparency. */
const PARTS = (env.BENCH_PARTS ?? 'sections,pages,verify,transparency').split(',');

const SEAL_SIZE = 1000;

const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** Secondary indexes of `table` (not constraints): dropped for the bulk load, rebuilt from their own definitions. */
async function dropIndexes(ds: DataSource, table: string): Promise<string[]> {
  const rows = await ds.query<Array<{ indexname: string; indexdef: string }>>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.tablename = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
    [table],
  );
  for (const r of rows) await ds.query(`DROP INDEX ${r.indexname}`);
  return rows.map((r) => r.indexdef);
}

async function load(ds: DataSource): Promise<void> {
  const staff = await ds.query<Array<{ id: string }>>(
    `INSERT INTO staff_user (email, display_name, role)
     SELECT 'mod' || g || '@desk.example', '审核员 ' || g, CASE WHEN g <= 2 THEN 'admin' ELSE 'moderator' END
       FROM generate_series(1, 8) g RETURNING id`,
  );
  const [article] = await ds.query<Array<{ id: string; url: string }>>(
    `INSERT INTO article (slug, url, title, body, owner_name, owner_email, published_at)
     VALUES ('bench', 'https://news.example/bench', 'Bench', 'Body', 'Owner', 'owner@news.example', now()) RETURNING id, url`,
  );
  const defs = [
    ...(await dropIndexes(ds, 'complaint')),
    ...(await dropIndexes(ds, 'audit_event')),
    ...(await dropIndexes(ds, 'complaint_item')),
    ...(await dropIndexes(ds, 'mail_job')),
  ];
  await ds.query(`SELECT setseed(0.42)`);
  const t0 = performance.now();
  // One row per case with its random draws; `path` decides the states and events it gets.
  await ds.query(`
    CREATE UNLOGGED TABLE bench_case AS
    SELECT g AS i, gen_random_uuid() AS id,
           now() - random() * interval '730 days' AS received_at,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
           CASE WHEN random() < 0.6 THEN 'form' WHEN random() < 0.75 THEN 'api' ELSE 'mail' END AS channel
      FROM generate_series(1, ${N}) g`);
  await ds.query(`
    ALTER TABLE bench_case ADD COLUMN path text;
    UPDATE bench_case SET path = CASE
      WHEN r1 < 0.09 THEN 'duplicate' WHEN r1 < 0.15 THEN 'received' WHEN r1 < 0.19 THEN 'in_review'
      WHEN r1 < 0.55 THEN 'actioned' WHEN r1 < 0.79 THEN 'rejected' WHEN r1 < 0.84 THEN 'withdrawn'
      WHEN r1 < 0.86 THEN 'not_processed' WHEN r1 < 0.91 THEN 'restored' ELSE 'appealed' END`);
  await ds.query(
    `INSERT INTO complaint (id, reference, state, legal_basis, locale, complainant, complainant_email, explanation,
                           declarations, tracking_token_hash, received_at, assignee_id, decided_by, article_title)
     SELECT b.id, 'ND-B-' || lpad(b.i::text, 8, '0'),
            CASE b.path WHEN 'appealed' THEN CASE WHEN b.r4 < 0.3 THEN 'actioned' ELSE 'rejected' END ELSE b.path END,
            CASE WHEN b.r2 < 0.35 THEN 'cn-copyright' WHEN b.r2 < 0.60 THEN 'cn-personal-rights'
                 WHEN b.r2 < 0.80 THEN 'accuracy' WHEN b.r2 < 0.90 THEN 'us-dmca' ELSE 'eu-dsa' END,
            'zh-CN', jsonb_build_object('name', 'Bench ' || b.i), 'bench' || b.i || '@example.test', 'bench',
            '{"truthful": true}', 'bench-' || b.i, b.received_at,
            CASE WHEN b.path IN ('in_review', 'actioned', 'rejected', 'restored', 'appealed') THEN ($1::uuid[])[1 + b.i % 8] END,
            CASE WHEN b.path IN ('actioned', 'rejected', 'restored', 'appealed', 'not_processed') THEN ($1::uuid[])[1 + b.i % 8] END,
            'Bench'
       FROM bench_case b`,
    [staff.map((s) => s.id)],
  );
  // The item counts on the case (set by the intake statement) come from the migration's own backfill (timed).
  await ds.query(
    `INSERT INTO complaint_item (complaint_id, position, kind, article_id, article_url, remedy, remedy_applied_at)
     SELECT b.id, 1, CASE WHEN b.r3 < 0.6 THEN 'article' WHEN b.r3 < 0.85 THEN 'image' ELSE 'passage' END, $1, $2,
            CASE WHEN b.path IN ('actioned', 'restored') THEN
              CASE WHEN b.r3 < 0.3 THEN 'add_correction' WHEN b.r3 < 0.6 THEN 'remove_article' WHEN b.r3 < 0.85 THEN 'remove_image' ELSE 'edit_passage' END END,
            CASE WHEN b.path IN ('actioned', 'restored') THEN b.received_at + interval '2 days' END
       FROM bench_case b`,
    [article.id, article.url],
  );
  const tk = performance.now();
  await ds.query(ITEM_COUNT_BACKFILL_SQL);
  const t1 = performance.now();
  // Ten events per case: k = 1 the intake event, 2–6 the path's transitions, the rest mail events.
  await ds.transaction(async (tx) => {
    await tx.query(`SET LOCAL work_mem = '256MB'`); // the sort into time order
    await tx.query(
      `INSERT INTO audit_event (actor_type, actor_id, action, subject_type, subject_id, payload, occurred_at)
     SELECT t.actor_type, t.actor_id, t.action, 'complaint', b.id::text, t.payload,
            b.received_at + k * (1 + b.r5 * 30) * interval '1 hour'
       FROM bench_case b CROSS JOIN generate_series(1, 10) k
       CROSS JOIN LATERAL (
         SELECT CASE WHEN tr.to_state IS NOT NULL THEN 'complaint.transition' WHEN k = 1 THEN 'complaint.received' ELSE 'mail.sent' END AS action,
                CASE WHEN k = 1 THEN 'complainant' WHEN tr.to_state IS NULL THEN 'system' ELSE tr.actor_type END AS actor_type,
                CASE WHEN tr.to_state IS NOT NULL AND tr.actor_type IN ('moderator', 'admin')
                     THEN (($1::uuid[])[1 + b.i % 8])::text END AS actor_id,
                CASE WHEN k = 1 THEN jsonb_build_object('channel', b.channel, 'state', CASE WHEN b.path = 'duplicate' THEN 'duplicate' ELSE 'received' END)
                     WHEN tr.to_state IS NOT NULL THEN jsonb_build_object('from', tr.from_state, 'to', tr.to_state)
                     ELSE jsonb_build_object('template', 'complaint-receipt', 'to', 'bench') END AS payload
           FROM (SELECT
             CASE WHEN k = 2 AND b.path IN ('in_review', 'actioned', 'rejected', 'restored', 'appealed') THEN 'received'
                  WHEN k = 2 AND b.path = 'withdrawn' THEN 'received'
                  WHEN k = 2 AND b.path = 'not_processed' THEN 'received'
                  WHEN k = 3 AND b.path IN ('actioned', 'restored') THEN 'in_review'
                  WHEN k = 3 AND b.path IN ('rejected', 'appealed') THEN 'in_review'
                  WHEN k = 4 AND b.path = 'restored' THEN 'actioned'
                  WHEN k = 4 AND b.path = 'appealed' THEN 'rejected'
                  WHEN k = 5 AND b.path = 'restored' THEN 'counter_notice_review'
                  WHEN k = 5 AND b.path = 'appealed' THEN 'appeal_review'
                  WHEN k = 6 AND b.path = 'restored' THEN 'restoration_pending' END AS from_state,
             CASE WHEN k = 2 AND b.path IN ('in_review', 'actioned', 'rejected', 'restored', 'appealed') THEN 'in_review'
                  WHEN k = 2 AND b.path = 'withdrawn' THEN 'withdrawn'
                  WHEN k = 2 AND b.path = 'not_processed' THEN 'not_processed'
                  WHEN k = 3 AND b.path IN ('actioned', 'restored') THEN 'actioned'
                  WHEN k = 3 AND b.path IN ('rejected', 'appealed') THEN 'rejected'
                  WHEN k = 4 AND b.path = 'restored' THEN 'counter_notice_review'
                  WHEN k = 4 AND b.path = 'appealed' THEN 'appeal_review'
                  WHEN k = 5 AND b.path = 'restored' THEN 'restoration_pending'
                  WHEN k = 5 AND b.path = 'appealed' THEN CASE WHEN b.r4 < 0.3 THEN 'actioned' ELSE 'rejected' END
                  WHEN k = 6 AND b.path = 'restored' THEN 'restored' END AS to_state,
             CASE WHEN (k = 2 AND b.path = 'withdrawn') OR (k = 4 AND b.path = 'appealed') THEN 'complainant'
                  WHEN k = 4 AND b.path = 'restored' THEN 'content_owner'
                  WHEN k = 6 THEN 'system'
                  WHEN (k = 2 AND b.path = 'not_processed') OR (k = 5 AND b.path = 'appealed') THEN 'admin'
                  ELSE 'moderator' END AS actor_type) tr) t
      ORDER BY b.received_at + k * (1 + b.r5 * 30) * interval '1 hour'`, // ids in time order, as a trail is appended
      [staff.map((s) => s.id)],
    );
  });
  const t2 = performance.now();
  await ds.query(
    `INSERT INTO mail_job (template, locale, to_address, message_id, payload, complaint_id, state, sent_at, created_at)
     SELECT 'complaint-receipt', 'zh-CN', 'bench@example.test', '<bench-' || b.i || '@example.test>', '{}', b.id, 'sent',
            b.received_at + (5 + b.r5 * 600) * interval '1 second', b.received_at
       FROM bench_case b WHERE b.path <> 'duplicate'`,
  );
  await ds.query(
    `INSERT INTO appeal (complaint_id, party, body, appealed_state, filed_at, decided_at, decided_by, outcome)
     SELECT b.id, 'complainant', 'bench', 'rejected', b.received_at + interval '4 days', b.received_at + interval '6 days', $1,
            CASE WHEN b.r4 < 0.3 THEN 'actioned' ELSE 'rejected' END
       FROM bench_case b WHERE b.path = 'appealed'`,
    [staff[0].id],
  );
  await ds.query(
    `INSERT INTO counter_notice (complaint_id, legal_basis, owner_email, fields, status, created_at, decided_at)
     SELECT b.id, 'cn-copyright', 'owner@news.example', '{}', CASE WHEN b.path = 'restored' THEN 'valid' ELSE 'invalid' END,
            b.received_at + interval '4 days', b.received_at + interval '5 days'
       FROM bench_case b WHERE b.path = 'restored' OR (b.path = 'actioned' AND b.r4 < 0.05)`,
  );
  await ds.query(
    `INSERT INTO litigation_proof (complaint_id, body, status, created_at, decided_at)
     SELECT b.id, 'bench', 'accepted', b.received_at + interval '6 days', b.received_at + interval '7 days'
       FROM bench_case b WHERE b.path = 'restored' AND b.r4 < 0.1`,
  );
  await ds.query(
    `INSERT INTO sla_breach (complaint_id, due_at, state, detected_at)
     SELECT b.id, b.received_at + interval '24 hours', CASE WHEN b.r4 < 0.5 THEN 'received' ELSE 'in_review' END,
            b.received_at + interval '25 hours'
       FROM bench_case b WHERE b.r5 < 0.05`,
  );
  const t3 = performance.now();
  await ds.query(`SET maintenance_work_mem = '512MB'`);
  for (const d of defs) await ds.query(d);
  await ds.query(`RESET maintenance_work_mem`);
  const t4 = performance.now();
  // What the migration does on a database this size (the milestone indexes are in place).
  await ds.query(MILESTONE_BACKFILL_SQL);
  const t5 = performance.now();
  const seals = await seal(ds);
  const t6 = performance.now();
  await ds.query(`DROP TABLE bench_case`);
  await ds.query(`VACUUM (ANALYZE)`);
  console.log(
    `loaded ${N} complaints and items in ${secs(t0)} s (item counts backfill, the migration's, ${((t1 - tk) / 1000).toFixed(1)} s)… events ${((t2 - t1) / 1000).toFixed(1)} s, mails/appeals/notices ` +
      `${((t3 - t2) / 1000).toFixed(1)} s, rebuilt ${defs.length} indexes ${((t4 - t3) / 1000).toFixed(1)} s, ` +
      `milestone backfill (the migration's) ${((t5 - t4) / 1000).toFixed(1)} s, ${seals} seals ${((t6 - t5) / 1000).toFixed(1)} s, ` +
      `VACUUM ANALYZE ${secs(t6)} s`,
  );
}

/**
 * Seals the loaded trail as AuditSealer would (1,000 events a seal, contiguous ids, low_water at
 * each seal's last id), with the chain's own SQL (audit-chain.ts): one INSERT per seal from this
 * loop, without the sealer's horizon bookkeeping, which costs nothing here (one writer, ids dense)
 * but would cost a lot of round trips over 10,000,000 events.
 */
async function seal(ds: DataSource): Promise<number> {
  const [{ lo, hi }] = await ds.query<Array<{ lo: string | null; hi: string | null }>>(
    `SELECT min(id)::text AS lo, max(id)::text AS hi FROM audit_event`,
  );
  if (lo === null || hi === null) return 0;
  let prev = GENESIS_HASH;
  let seals = 0;
  for (let from = Number(lo); from <= Number(hi); from += SEAL_SIZE) {
    const to = Math.min(Number(hi), from + SEAL_SIZE - 1);
    const [row] = await ds.query<Array<{ hash: string }>>(
      `INSERT INTO audit_seal (format, event_ids, event_digests, low_water, prev_hash, hash)
       SELECT ${SEAL_FORMAT}, r.ids, r.digests, $3, $4::text, ${sealHashSql('$4::text', 'r.body')}
         FROM ${sealedEventsSql('e.id BETWEEN $1 AND $2', true)} r
       RETURNING hash`,
      [from, to, to, prev],
    );
    prev = row.hash;
    seals++;
  }
  return seals;
}

interface PageResult {
  label: string;
  calls: number;
  rows: number;
  p50: number;
  p99: number;
}

/** p50 and p99 of PAGE_RUNS calls (fewer if they take over PAGE_SECONDS), after one warm-up call. */
async function timeCalls(label: string, call: () => Promise<number>): Promise<PageResult> {
  let rows = await call();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < PAGE_RUNS && (times.length < 5 || performance.now() - start < PAGE_SECONDS * 1000)) {
    const t = performance.now();
    rows = await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { label, calls: times.length, rows, p50: percentile(times, 50), p99: percentile(times, 99) };
}

/**
 * The case search (GET /api/v1/cases) with typical filters and the audit log (GET /api/v1/audit)
 * deep in its keyset cursor, through ReportsService as the controllers call it (without HTTP).
 */
async function timePages(ds: DataSource, reports: ReportsService, label: (l: string) => void): Promise<PageResult[]> {
  const [mid] = await ds.query<Array<{ id: string; reference: string; received_key: string; email: string }>>(
    `SELECT id, reference, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_key,
            complainant_email AS email
       FROM complaint WHERE received_at < now() - interval '365 days' ORDER BY received_at DESC LIMIT 1`,
  );
  const [staff] = await ds.query<Array<{ id: string; display_name: string }>>(
    `SELECT id, display_name FROM staff_user WHERE role = 'moderator' ORDER BY email LIMIT 1`,
  );
  const [{ deep }] = await ds.query<Array<{ deep: string }>>(
    `SELECT coalesce(max(id) / 2, 1)::text AS deep FROM audit_event`,
  );
  const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
  const [{ first }] = await ds.query<Array<{ first: string | null }>>(
    `SELECT to_char(min(occurred_at) AT TIME ZONE 'UTC' + interval '1 day', 'YYYY-MM-DD') AS first FROM audit_event`,
  );
  const firstDay = first ?? yearAgo;
  const monthBefore = new Date(Date.now() - 395 * 86_400_000).toISOString().slice(0, 10);
  const deepCase = encodeCaseCursor({ receivedAt: mid.received_key, id: mid.id });
  const cases: Array<[string, Record<string, string>]> = [
    ['cases: first page', {}],
    ['cases: page a year deep (cursor)', { cursor: deepCase }],
    ['cases: legalBasis + state', { legalBasis: 'us-dmca', state: 'rejected' }],
    ['cases: decider (staff id), a year deep', { decider: staff.id, cursor: deepCase }],
    ['cases: decider name fragment', { decider: staff.display_name.slice(-3) }],
    ['cases: received in one month a year ago', { from: monthBefore, to: yearAgo }],
    ['cases: reference', { reference: mid.reference }],
    ['cases: complainant email', { complainant: mid.email }],
    ['cases: part of an address (local part)', { complainant: mid.email.split('@')[0] }],
    ['cases: part of a name', { complainant: 'ench 4242' }],
    ['cases: article slug', { article: 'bench' }],
  ];
  const audit: Array<[string, Record<string, string>]> = [
    ['audit: first page', {}],
    ['audit: page at the middle id (cursor)', { cursor: deep }],
    ['audit: action, at the middle id', { action: 'complaint.transition', cursor: deep }],
    ['audit: actor (staff id), at the middle id', { actor: staff.id, cursor: deep }],
    // A colleague with no events yet: the walk finds no match to stop at (worst case of a rare actor).
    ['audit: actor with no events', { actor: '00000000-0000-4000-8000-00000000bea7' }],
    ['audit: actorType admin, at the middle id', { actorType: 'admin', cursor: deep }],
    ['audit: legalBasis, at the middle id', { legalBasis: 'eu-dsa', cursor: deep }],
    ['audit: one day a year ago', { from: yearAgo, to: yearAgo }],
    ['audit: action on one day a year ago', { action: 'complaint.transition', from: yearAgo, to: yearAgo }],
    ['audit: one case (reference)', { reference: mid.reference }],
    ['audit: ten days at the start of the trail', { from: firstDay, to: plusDays(firstDay, 9) }],
    ['audit: two months at the start of the trail', { from: firstDay, to: plusDays(firstDay, 59) }],
    ['audit: everything until a year ago (to only)', { to: yearAgo }],
    ['audit: the last 60 days (from only)', { from: plusDays(dateInRegion('cn', new Date()), -60) }],
  ];
  const out: PageResult[] = [];
  for (const [l, q] of cases) {
    label(l);
    const f = parseCaseQuery(q);
    out.push(await timeCalls(l, async () => (await reports.cases(f)).items.length));
  }
  for (const [l, q] of audit) {
    label(l);
    const f = parseAuditQuery(q);
    out.push(await timeCalls(l, async () => (await reports.audit(f)).items.length));
  }
  return out;
}

/** AuditVerifier.verify() over the whole loaded trail, VERIFY_RUNS times. */
async function timeVerification(
  ds: DataSource,
): Promise<Array<{ events: number; seals: number; seconds: number; rate: number }>> {
  const verifier = new AuditVerifier(ds);
  const out = [];
  for (let run = 0; run < VERIFY_RUNS; run++) {
    const t = performance.now();
    const r = await verifier.verify({ jobs: VERIFY_JOBS });
    const seconds = (performance.now() - t) / 1000;
    if (!r.ok) throw new Error(`the bench trail does not verify: ${JSON.stringify(r.firstBad)}`);
    out.push({ events: r.sealedEvents, seals: r.seals, seconds, rate: r.sealedEvents / seconds });
  }
  return out;
}

async function main(): Promise<void> {
  const config = loadConfig();
  let stopEmbedded = async () => {};
  let serverUrl = config.databaseUrl;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres(config.dataDir);
    serverUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const server = new URL(serverUrl);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(server.hostname))
    throw new Error(`bench:reports runs on a loopback server only (got ${server.hostname})`);
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  const benchUrl = new URL(serverUrl);
  benchUrl.pathname = `/${DB}`;
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  const reuse =
    env.BENCH_REUSE === '1' && (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB])).rowCount;
  if (!reuse) {
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB}`);
  }
  const ds = new DataSource({ ...dataSourceOptions(benchUrl.toString()), extra: { max: VERIFY_JOBS + 2 } });
  try {
    await ds.initialize();
    const tm = performance.now();
    const ran = await ds.runMigrations({ transaction: 'each' });
    if (ran.length) console.log(`migrations ${ran.map((m) => m.name).join(', ')}: ${secs(tm)} s`);
    if (!reuse) await load(ds);
    const [{ events, complaints }] = await ds.query<Array<{ events: string; complaints: string }>>(
      `SELECT (SELECT count(*) FROM audit_event) AS events, (SELECT count(*) FROM complaint) AS complaints`,
    );
    const today = dateInRegion('cn', new Date());
    const period = parsePeriod({ kind: 'custom', from: plusDays(today, -364), to: today }, new Date());
    console.log(
      `bench:reports: ${complaints} complaints, ${events} audit events; period ${period.firstDay} to ${period.lastDay}; ` +
        `${ITERATIONS} runs per section, one connection, on ${server.host}/${DB}`,
    );

    // The real repository over a pool that records each statement, for the plans below.
    const real = (ds.driver as unknown as { master: Pool }).master;
    const recorded = new Map<string, { text: string; values: unknown[]; settings: string }>();
    let current = '';
    const record = (text: string, values: unknown[], settings: string) => {
      if (
        values?.length &&
        ![...recorded.values()].some((r) => r.text === text && JSON.stringify(r.values) === JSON.stringify(values))
      )
        recorded.set(`${current} #${recorded.size}`, { text, values, settings });
    };
    const pool = {
      query: (text: string, values: unknown[]) => {
        record(text, values, '');
        return real.query(text, values);
      },
      // FiguresRepository: one statement per transaction, after its SET LOCALs (replayed for EXPLAIN).
      connect: async () => {
        const client = await real.connect();
        let settings = '';
        return {
          query: (statement: string | { text: string; values: unknown[] }, args?: unknown[]) => {
            const [text, values] =
              typeof statement === 'string' ? [statement, args] : [statement.text, statement.values];
            if (text.startsWith('BEGIN')) settings = text.replace(/^BEGIN[^;]*;/, '').trim();
            else record(text, values ?? [], settings);
            return client.query(text, values);
          },
          release: () => client.release(),
        };
      },
    };
    const recordingDs = { driver: { master: pool } } as unknown as DataSource;
    const figures = new FiguresService(new FiguresRepository(recordingDs), new WorkingDays(ds));
    const reports = new ReportsService(new ReportsRepository(recordingDs));
    const results: Array<{ section: string; median: number; worst: number; rows: number }> = [];
    for (const section of PARTS.includes('sections') ? SECTIONS : []) {
      current = section;
      await figures.section(section, period, 'en'); // warm-up (calendar, cache)
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const t = performance.now();
        rows = (await figures.section(section, period, 'en')).rows.length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      results.push({ section, median: times[Math.floor(times.length / 2)], worst: times[times.length - 1], rows });
    }
    // The yearly transparency report whole (the page, its JSON) and each section's download alone.
    const transparencyTimes: Array<{ label: string; median: number; worst: number }> = [];
    if (PARTS.includes('transparency')) {
      const transparency = new TransparencyService(figures, new FiguresRepository(ds));
      const keys = (await transparency.report(period, 'en')).sections.map((s) => s.key);
      for (const only of [undefined, ...keys]) {
        const times: number[] = [];
        for (let i = 0; i < ITERATIONS; i++) {
          const t = performance.now();
          await transparency.report(period, 'en', only);
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        transparencyTimes.push({
          label: only ?? 'the whole report',
          median: times[Math.floor(times.length / 2)],
          worst: times[times.length - 1],
        });
      }
    }
    const pages = PARTS.includes('pages') ? await timePages(ds, reports, (label) => (current = label)) : [];
    const verification = PARTS.includes('verify') ? await timeVerification(ds) : [];
    for (const [label, s] of recorded) {
      const client = await real.connect();
      let plan;
      try {
        await client.query(`BEGIN READ ONLY; ${s.settings}`);
        plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const shown = s.values.map((v) => (Array.isArray(v) ? `[${v.length} values]` : v));
      console.log(
        `\n--- EXPLAIN (ANALYZE, BUFFERS): ${label.replace(/ #\d+$/, '')} ---\n${s.settings ? `${s.settings}\n` : ''}${s.text.replace(/\s+/g, ' ').trim()}`,
      );
      console.log(JSON.stringify(shown));
      console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    console.log(
      `\n=== ${complaints} complaints, ${events} audit events; each section for ${period.firstDay} to ${period.lastDay} ===`,
    );
    for (const r of results)
      console.log(
        `${r.section.padEnd(22)} median ${r.median.toFixed(1).padStart(8)} ms   worst ${r.worst.toFixed(1).padStart(8)} ms   ` +
          `${String(r.rows).padStart(3)} rows   ${r.worst <= TARGET_MS ? 'ok' : r.worst <= BUDGET_MS ? `over the ${TARGET_MS} ms target` : `OVER ${BUDGET_MS} ms`}`,
      );
    if (transparencyTimes.length)
      console.log(`\n=== transparency report for the year: whole, then each section alone ===`);
    for (const r of transparencyTimes)
      console.log(
        `${r.label.padEnd(22)} median ${r.median.toFixed(1).padStart(8)} ms   worst ${r.worst.toFixed(1).padStart(8)} ms`,
      );
    console.log(
      `\n=== case search and audit-log pages (${PAGE_RUNS} calls each at most, ${PAGE_SECONDS} s at most) ===`,
    );
    for (const r of pages)
      console.log(
        `${r.label.padEnd(44)} p50 ${r.p50.toFixed(1).padStart(8)} ms   p99 ${r.p99.toFixed(1).padStart(8)} ms   ` +
          `${String(r.calls).padStart(3)} calls  ${String(r.rows).padStart(3)} rows   ${r.p99 <= PAGE_P99_MS ? 'ok' : `OVER ${PAGE_P99_MS} ms`}`,
      );
    console.log(`\n=== full verification (AuditVerifier.verify, ${VERIFY_JOBS} connections) ===`);
    for (const v of verification)
      console.log(
        `${v.events} events in ${v.seals} seals: ${v.seconds.toFixed(1)} s, ${Math.round(v.rate).toLocaleString('en-US')} events/s   ` +
          `${v.rate >= VERIFY_TARGET ? 'ok' : `BELOW ${VERIFY_TARGET.toLocaleString('en-US')}`}`,
      );
  } finally {
    if (ds.isInitialized) await ds.destroy();
    if (env.BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    else console.log(`kept ${DB} (BENCH_KEEP=1); BENCH_REUSE=1 reuses it`);
    await admin.end();
    await stopEmbedded();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:reports: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
