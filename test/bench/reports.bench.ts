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

const env = process.env;
const DB = 'notice_desk_bench_reports';
const N = Number(env.BENCH_COMPLAINTS ?? 100_000);
const ITERATIONS = Number(env.BENCH_ITERATIONS ?? 5);
const BUDGET_MS = 2000;
const TARGET_MS = 1000;

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
  await ds.query(
    `INSERT INTO complaint_item (complaint_id, position, kind, article_id, article_url, remedy, remedy_applied_at)
     SELECT b.id, 1, CASE WHEN b.r3 < 0.6 THEN 'article' WHEN b.r3 < 0.85 THEN 'image' ELSE 'passage' END, $1, $2,
            CASE WHEN b.path IN ('actioned', 'restored') THEN
              CASE WHEN b.r3 < 0.3 THEN 'add_correction' WHEN b.r3 < 0.6 THEN 'remove_article' WHEN b.r3 < 0.85 THEN 'remove_image' ELSE 'edit_passage' END END,
            CASE WHEN b.path IN ('actioned', 'restored') THEN b.received_at + interval '2 days' END
       FROM bench_case b`,
    [article.id, article.url],
  );
  const t1 = performance.now();
  // Ten events per case: k = 1 the intake event, 2–6 the path's transitions, the rest mail events.
  await ds.query(
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
                  ELSE 'moderator' END AS actor_type) tr) t`,
    [staff.map((s) => s.id)],
  );
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
  await ds.query(`DROP TABLE bench_case`);
  await ds.query(`VACUUM (ANALYZE)`);
  console.log(
    `loaded ${N} complaints and items in ${secs(t0)} s… events ${((t2 - t1) / 1000).toFixed(1)} s, mails/appeals/notices ` +
      `${((t3 - t2) / 1000).toFixed(1)} s, rebuilt ${defs.length} indexes ${((t4 - t3) / 1000).toFixed(1)} s, ` +
      `milestone backfill (the migration's) ${((t5 - t4) / 1000).toFixed(1)} s, VACUUM ANALYZE ${secs(t5)} s`,
  );
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
  const ds = new DataSource({ ...dataSourceOptions(benchUrl.toString()), extra: { max: 2 } });
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
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
    const recorded = new Map<string, { text: string; values: unknown[] }>();
    let current = '';
    const pool = {
      query: (text: string, values: unknown[]) => {
        if (![...recorded.values()].some((r) => r.text === text))
          recorded.set(`${current} #${recorded.size}`, { text, values });
        return real.query(text, values);
      },
    };
    const figures = new FiguresService(
      new FiguresRepository({ driver: { master: pool } } as unknown as DataSource),
      new WorkingDays(ds),
    );
    const results: Array<{ section: string; median: number; worst: number; rows: number }> = [];
    for (const section of SECTIONS) {
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
    for (const [label, s] of recorded) {
      const plan = await real.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values);
      const shown = s.values.map((v) => (Array.isArray(v) ? `[${v.length} values]` : v));
      console.log(
        `\n--- EXPLAIN (ANALYZE, BUFFERS): ${label.replace(/ #\d+$/, '')} ---\n${s.text.replace(/\s+/g, ' ').trim()}`,
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
