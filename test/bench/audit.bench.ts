/**
 * `npm run bench:audit`: verification of a 1,000,000-event audit trail.
 *
 * Creates the database notice_desk_bench_audit on DATABASE_URL's server (or on the embedded
 * server under DATA_DIR, started here when DATABASE_URL is unset), runs the migrations, appends
 * BENCH_EVENTS (default 1,000,000) events with set-based SQL (payloads shaped like the app's,
 * Chinese and English text), seals them with the real AuditSealer (1,000 events a seal), VACUUM
 * ANALYZE (as autovacuum would have by then), then runs AuditVerifier.verify() BENCH_RUNS (3)
 * times with BENCH_JOBS (2) connections and prints events/s, seals, time and this process's
 * memory peak. Loopback only. The database is dropped unless BENCH_KEEP=1 (then BENCH_REUSE=1
 * skips the load and the sealing).
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditSealer } from '../../src/audit/audit-sealer.service';
import { AuditVerifier } from '../../src/audit/audit-verifier.service';
import { loadConfig } from '../../src/config/config';
import { dataSourceOptions } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

const env = process.env;
const DB = 'notice_desk_bench_audit';
const EVENTS = Number(env.BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(env.BENCH_RUNS ?? 3);
const JOBS = Number(env.BENCH_JOBS ?? 2);
const TARGET = 200_000;
const CHUNK = 100_000;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function load(ds: DataSource): Promise<void> {
  const t0 = performance.now();
  for (let from = 1; from <= EVENTS; from += CHUNK) {
    const to = Math.min(EVENTS, from + CHUNK - 1);
    await ds.query(
      `INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, subject_type, subject_id, payload)
       SELECT now() - ($2::int - g) * interval '31 seconds',
              (ARRAY['complainant', 'moderator', 'system', 'admin', 'cms', 'content_owner'])[1 + g % 6],
              CASE WHEN g % 6 IN (1, 3) THEN 'staff-' || (g % 23) END,
              (ARRAY['complaint.received', 'complaint.transition', 'mail.sent', 'auth.sign_in', 'article.taken_down'])[1 + g % 5],
              CASE WHEN g % 5 = 3 THEN 'staff_user' ELSE 'complaint' END,
              'ND-2026-' || lpad((g / 7)::text, 7, '0'),
              CASE g % 5
                WHEN 0 THEN jsonb_build_object('reference', 'ND-2026-' || lpad((g / 7)::text, 7, '0'), 'legalBasis', 'cn-copyright',
                                               'locale', 'zh-CN', 'items', g % 4 + 1)
                WHEN 1 THEN jsonb_build_object('from', 'received', 'to', 'in_review', 'reason', '转载未经授权，请删除第 ' || g % 97 || ' 段')
                WHEN 2 THEN jsonb_build_object('template', 'complaint-received', 'to', 'u' || g || '@example.com', 'locale', 'en')
                WHEN 3 THEN jsonb_build_object('ip', '127.0.0.' || g % 250, 'firstSignIn', g % 2 = 0)
                ELSE jsonb_build_object('articleId', g % 1000, 'items', jsonb_build_array(g % 7, g % 11), 'note', 'Quote "removed" \\ per notice')
              END
         FROM generate_series($1::int, $3::int) AS g`,
      [from, EVENTS, to],
    );
  }
  console.log(`appended ${EVENTS} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Seals everything with the app's sealer; waits out transactions elsewhere on the server (xmin). */
async function seal(ds: DataSource): Promise<void> {
  const sealer = new AuditSealer(ds, { auditSealMs: 1000 });
  const t0 = performance.now();
  let sealed = 0;
  let waited = 0;
  while (sealed < EVENTS) {
    const n = await sealer.sealNow();
    sealed += n;
    if (n > 0) continue;
    if (++waited > 600) throw new Error(`sealing stalled at ${sealed} events (a transaction held open elsewhere?)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await sealer.onModuleDestroy();
  const s = (performance.now() - t0) / 1000;
  console.log(`sealed ${sealed} events in ${s.toFixed(1)} s (${Math.round(sealed / s)} events/s) with AuditSealer`);
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
    throw new Error(`bench:audit runs on a loopback server only (got ${server.hostname})`);
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
  const ds = new DataSource({ ...dataSourceOptions(benchUrl.toString()), extra: { max: JOBS + 2 } });
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    if (!reuse) {
      await load(ds);
      await seal(ds);
      const t0 = performance.now();
      await ds.query(`VACUUM (ANALYZE) audit_event`);
      await ds.query(`VACUUM (ANALYZE) audit_seal`);
      console.log(`VACUUM ANALYZE ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const [{ size }] = await ds.query<Array<{ size: string }>>(
      `SELECT pg_size_pretty(pg_total_relation_size('audit_event') + pg_total_relation_size('audit_seal')) AS size`,
    );
    console.log(
      `bench:audit: ${EVENTS} events (${size} with seals), ${JOBS} connection(s), ${RUNS} runs on ${server.host}/${DB}`,
    );

    const verifier = new AuditVerifier(ds);
    const rows: string[] = [];
    let worst = Infinity;
    for (let run = 1; run <= RUNS; run++) {
      const t = performance.now();
      const r = await verifier.verify({ jobs: JOBS });
      const s = (performance.now() - t) / 1000;
      if (!r.ok) throw new Error(`the bench trail does not verify: ${JSON.stringify(r.firstBad)}`);
      const rate = r.sealedEvents / s;
      worst = Math.min(worst, rate);
      rows.push(
        `| ${run} | ${r.sealedEvents} | ${r.seals} | ${s.toFixed(2)} s | ${Math.round(rate).toLocaleString('en-US')} | ${mib(process.resourceUsage().maxRSS * 1024)} |`,
      );
    }
    console.log(
      `\n| run | events | seals | time | events/s | client RSS peak |\n| --- | --- | --- | --- | --- | --- |`,
    );
    for (const row of rows) console.log(row);
    console.log(
      `\nslowest run ${Math.round(worst).toLocaleString('en-US')} events/s: ${worst >= TARGET ? 'ok' : `BELOW ${TARGET.toLocaleString('en-US')}`}` +
        ` (heap used now ${mib(process.memoryUsage().heapUsed)})`,
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
  console.error(`bench:audit: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
