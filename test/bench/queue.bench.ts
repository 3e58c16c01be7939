/**
 * `npm run bench:queue`: the review queue at 1,000,000 complaints.
 *
 * Creates the database notice_desk_bench_queue on DATABASE_URL's server (or on the embedded
 * server under DATA_DIR, started here when DATABASE_URL is unset), runs the migrations, loads
 * the complaints with set-based SQL, VACUUM ANALYZE, then calls QueueService directly (the
 * statements the API runs, without HTTP) from BENCH_CONCURRENCY (8) concurrent loops:
 *
 *   first page       GET /api/v1/queue
 *   deep page        the cursor reached after walking BENCH_WALK (200) pages of 25
 *   filtered+search  legalBasis + assignee=nobody + q (a complainant's name), and a second q
 *                    that matches many rows (an article title fragment)
 *
 * It prints p50/p99/throughput and row counts for each, and EXPLAIN (ANALYZE, BUFFERS) of every
 * statement the service ran for it. Fixed iteration counts; loopback only. The database is
 * dropped at the end unless BENCH_KEEP=1 (then a rerun with BENCH_REUSE=1 skips the load).
 * BENCH_ROWS (default 1,000,000), BENCH_ITERATIONS (default 400 per query).
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadDemoCatalogue } from '../../src/articles/demo/demo-catalogue';
import { WorkingDays } from '../../src/calendar/working-days.service';
import { loadConfig } from '../../src/config/config';
import { dataSourceOptions } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { parseQueueQuery, QUEUE_STATES, QueueService } from '../../src/moderation/queue.service';
import type { QueuePage, QueueStatement } from '../../src/moderation/queue.service';
import { percentile } from './stats';

const env = process.env;
const DB = 'notice_desk_bench_queue';
const ROWS = Number(env.BENCH_ROWS ?? 1_000_000);
const ITERATIONS = Number(env.BENCH_ITERATIONS ?? 400);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 8);
const WALK = Number(env.BENCH_WALK ?? 200);
const P99_BUDGET_MS = 50;

const ZH_SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '高',
  '林',
  '罗',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
];
const ZH_GIVEN = [
  '伟',
  '芳',
  '娜',
  '秀英',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀兰',
  '霞',
  '平',
  '刚',
  '桂英',
  '建国',
  '建华',
  '晓东',
  '海燕',
  '志强',
  '丽娟',
  '文博',
  '子涵',
  '雨桐',
  '浩然',
  '欣怡',
  '思远',
  '嘉怡',
  '俊杰',
  '一诺',
  '梓萱',
  '宇轩',
];
const EN_FIRST = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'William',
  'Elizabeth',
  'David',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Anna',
  'Lukas',
  'Sophie',
  'Mateo',
  'Chloe',
  'Hiroshi',
  'Yuki',
  'Olga',
  'Pierre',
  'Ingrid',
];
const EN_LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Schmidt',
  'Müller',
  'Rossi',
  'Dubois',
  'Tanaka',
  'Kowalski',
  'Novak',
  'Jensen',
  'Petrov',
  'OConnor',
];
const DOMAINS = [
  'qq.example',
  '163.example',
  'gmail.example',
  'outlook.example',
  'law-firm.example',
  'agency.example',
  'news.example',
  'photo.example',
];

interface Figures {
  label: string;
  ok: number;
  seconds: number;
  p50: number;
  p99: number;
  rows: number;
}

/** Runs `op` ITERATIONS times from CONCURRENCY loops; latency per call. */
async function drive(label: string, op: () => Promise<QueuePage>): Promise<Figures> {
  const latencies: number[] = [];
  let started = 0;
  let rows = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < ITERATIONS) {
        started++;
        const t = performance.now();
        const page = await op();
        latencies.push(performance.now() - t);
        rows = page.items.length;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { label, ok: latencies.length, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), rows };
}

function print(f: Figures, sample: QueuePage): void {
  const counts = QUEUE_STATES.map((s) => `${s} ${sample.counts[s]}${sample.countsCapped.includes(s) ? '+' : ''}`).join(
    ', ',
  );
  console.log(
    `${f.label.padEnd(34)} ${(f.ok / f.seconds).toFixed(0).padStart(6)} pages/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   ` +
      `p99 ${f.p99.toFixed(1).padStart(6)} ms   ${f.rows} rows   ${f.p99 <= P99_BUDGET_MS ? 'ok' : `OVER ${P99_BUDGET_MS} ms`}`,
  );
  console.log(`${''.padEnd(34)} counts: ${counts}`);
}

async function explain(ds: DataSource, label: string, statements: QueueStatement[]): Promise<void> {
  for (const { text: sql, values: params } of statements) {
    const plan = await ds.query<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    console.log(
      `\n--- EXPLAIN (ANALYZE, BUFFERS): ${label} ---\n${sql.replace(/\s+/g, ' ').trim()}\n${JSON.stringify(params)}`,
    );
    console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
  }
}

async function load(ds: DataSource): Promise<void> {
  const titles = loadDemoCatalogue().articles.map((a) => a.title);
  const staff = await ds.query<Array<{ id: string }>>(
    `INSERT INTO staff_user (email, display_name, role)
     SELECT 'mod' || g || '@desk.example', '审核员 ' || g, CASE WHEN g <= 2 THEN 'admin' ELSE 'moderator' END
       FROM generate_series(1, 6) g RETURNING id`,
  );
  // The bulk load is faster without the secondary indexes; they are rebuilt from their own
  // definitions (pg_indexes), so the bench measures exactly what the migrations create.
  const indexes = await ds.query<Array<{ indexname: string; indexdef: string }>>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.tablename = 'complaint' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
  );
  for (const i of indexes) await ds.query(`DROP INDEX ${i.indexname}`);
  const t0 = performance.now();
  await ds.query(`SELECT setseed(0.42)`);
  // ~15% open (received 6, in_review 4, needs_info 2, escalated/counter-notice/appeal 1 each),
  // the rest decided or closed. Due times of open cases spread over ±30 days; decided cases
  // have none (the transitions clear it). Assignees: everything past received, on six staff.
  await ds.query(
    `INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email, explanation,
                           declarations, tracking_token_hash, received_at, due_at, assignee_id, article_title)
     SELECT 'ND-' || (2024 + g.i % 3) || '-' || lpad(g.i::text, 7, '0'), s.state, b.basis,
            CASE WHEN g.zh THEN 'zh-CN' ELSE 'en' END,
            jsonb_build_object('name', n.name, 'email', n.email), n.email,
            'bench', '{"truthful": true}'::jsonb, 'bench-' || g.i,
            coalesce(d.due_at - interval '24 hours', now() - g.r5 * interval '730 days'), d.due_at,
            CASE WHEN s.state IN ('in_review', 'needs_info', 'escalated') OR (s.state IN ('counter_notice_review', 'appeal_review') AND g.r5 < 0.5)
                 THEN ($1::uuid[])[1 + (g.i % 6)] END,
            ($2::text[])[1 + floor(g.r3 * array_length($2::text[], 1))::int]
       FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() < 0.6 AS zh
               FROM generate_series(1, ${ROWS}) i) g
       CROSS JOIN LATERAL (SELECT CASE
              WHEN g.r1 < 0.06 THEN 'received' WHEN g.r1 < 0.10 THEN 'in_review' WHEN g.r1 < 0.12 THEN 'needs_info'
              WHEN g.r1 < 0.13 THEN 'escalated' WHEN g.r1 < 0.14 THEN 'counter_notice_review' WHEN g.r1 < 0.15 THEN 'appeal_review'
              WHEN g.r1 < 0.50 THEN 'closed' WHEN g.r1 < 0.64 THEN 'actioned' WHEN g.r1 < 0.76 THEN 'rejected'
              WHEN g.r1 < 0.80 THEN 'restored' WHEN g.r1 < 0.81 THEN 'restoration_pending' WHEN g.r1 < 0.815 THEN 'litigation_hold'
              WHEN g.r1 < 0.88 THEN 'withdrawn' WHEN g.r1 < 0.97 THEN 'duplicate' ELSE 'not_processed' END AS state) s
       CROSS JOIN LATERAL (SELECT CASE
              WHEN g.r2 < 0.35 THEN 'cn-copyright' WHEN g.r2 < 0.60 THEN 'cn-personal-rights' WHEN g.r2 < 0.80 THEN 'accuracy'
              WHEN g.r2 < 0.90 THEN 'us-dmca' ELSE 'eu-dsa' END AS basis) b
       CROSS JOIN LATERAL (SELECT CASE WHEN s.state IN ('received', 'in_review', 'needs_info', 'escalated', 'counter_notice_review', 'appeal_review')
              THEN date_trunc('second', now()) + (g.r4 * 60 - 30) * interval '1 day' + (g.i % 1000) * interval '1 microsecond' END AS due_at) d
       CROSS JOIN LATERAL (SELECT
              CASE WHEN g.zh THEN ($3::text[])[1 + g.i % 30] || ($4::text[])[1 + (g.i / 30) % 40]
                   ELSE ($5::text[])[1 + g.i % 30] || ' ' || ($6::text[])[1 + (g.i / 30) % 30] END AS name,
              CASE WHEN g.zh THEN 'u' || (g.i::bigint * 7919 % 1000003) ELSE lower(($5::text[])[1 + g.i % 30]) || '.' || lower(($6::text[])[1 + (g.i / 30) % 30]) || (g.i % 997) END
                || '@' || ($7::text[])[1 + g.i % 8] AS email) n`,
    [staff.map((s) => s.id), titles, ZH_SURNAMES, ZH_GIVEN, EN_FIRST, EN_LAST, DOMAINS],
  );
  const t1 = performance.now();
  await ds.query(`SET maintenance_work_mem = '512MB'`);
  for (const i of indexes) await ds.query(i.indexdef);
  await ds.query(`RESET maintenance_work_mem`);
  const t2 = performance.now();
  await ds.query(`VACUUM (ANALYZE) complaint`);
  await ds.query(`VACUUM (ANALYZE) staff_user`);
  console.log(
    `loaded ${ROWS} complaints in ${((t1 - t0) / 1000).toFixed(1)} s, rebuilt ${indexes.length} indexes in ${((t2 - t1) / 1000).toFixed(1)} s, ` +
      `VACUUM ANALYZE ${((performance.now() - t2) / 1000).toFixed(1)} s`,
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
    throw new Error(`bench:queue runs on a loopback server only (got ${server.hostname})`);
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
  const ds = new DataSource({ ...dataSourceOptions(benchUrl.toString()), extra: { max: CONCURRENCY * 2 + 2 } });
  try {
    await ds.initialize();
    const ran = await ds.runMigrations({ transaction: 'each' });
    if (!reuse) await load(ds);
    else if (ran.length) await ds.query(`VACUUM (ANALYZE) complaint`);
    const [{ open }] = await ds.query<Array<{ open: number }>>(
      `SELECT count(*)::int AS open FROM complaint WHERE state IN ('received', 'in_review', 'needs_info', 'escalated', 'counter_notice_review', 'appeal_review')`,
    );
    console.log(
      `bench:queue: ${ROWS} complaints (${open} open), ${CONCURRENCY} concurrent, ${ITERATIONS} calls per query, QueueService on ${server.host}/${DB}`,
    );

    const queue = new QueueService(ds, new WorkingDays(ds));

    // The cursor after walking WALK pages of 25, the way a moderator would page.
    const tw = performance.now();
    let cursor: string | null = null;
    for (let i = 0; i < WALK; i++) {
      const page: QueuePage = await queue.list(parseQueueQuery(cursor ? { cursor } : {}));
      cursor = page.nextCursor;
      if (!cursor) throw new Error(`the queue ended after ${i + 1} pages`);
    }
    console.log(
      `walked ${WALK} pages of 25 in ${(performance.now() - tw).toFixed(0)} ms (${((performance.now() - tw) / WALK).toFixed(1)} ms a page, one connection)`,
    );

    const [{ name }] = await ds.query<Array<{ name: string }>>(
      `SELECT complainant ->> 'name' AS name FROM complaint
        WHERE state = 'received' AND legal_basis = 'cn-personal-rights' AND locale = 'zh-CN' AND char_length(complainant ->> 'name') = 3
        ORDER BY id LIMIT 1`,
    );
    const title = loadDemoCatalogue().articles[3].title.slice(0, 6);
    const cases: Array<[string, Record<string, string>]> = [
      ['first page', {}],
      [`deep page (after ${WALK} pages)`, { cursor: cursor as string }],
      [`legalBasis+nobody+q=${name}`, { legalBasis: 'cn-personal-rights', assignee: 'nobody', q: name }],
      [`legalBasis+nobody+q=${title}`, { legalBasis: 'cn-copyright', assignee: 'nobody', q: title }],
      ['overdue, received', { state: 'received', overdue: 'true' }],
    ];
    const results: Array<[Figures, QueuePage]> = [];
    for (const [label, query] of cases) {
      const filters = parseQueueQuery(query);
      const sample = await queue.list(filters);
      const { items, counts } = queue.statements(filters);
      await explain(ds, label, [items, counts]);
      await drive('warm-up', () => queue.list(filters)); // every pooled connection prepares its statements
      const f = await drive(label, () => queue.list(filters));
      results.push([f, sample]);
    }
    console.log(
      `\n=== ${ROWS} complaints, ${open} open; ${CONCURRENCY} concurrent callers, ${ITERATIONS} calls each query ===`,
    );
    for (const [f, counts] of results) print(f, counts);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    if (env.BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    else console.log(`kept ${DB} (BENCH_KEEP=1); BENCH_REUSE=1 reuses it`);
    await admin.end();
    await stopEmbedded();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:queue: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
