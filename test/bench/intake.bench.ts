/**
 * `npm run bench:intake`: intake throughput beside its floor, measured in the same run.
 *
 *   npm run build && DATABASE_URL=postgres://… npm run bench:intake
 *
 * Each round runs the floor, then the HTTP phase, for BENCH_SECONDS each:
 * - floor: test/bench/intake-floor.pgbench.sql through pgbench at BENCH_CONCURRENCY clients (the
 *   simplest durable intake: one transaction storing a complaint, its audit event and two mail jobs);
 * - HTTP: POST /api/v1/complaints from BENCH_CONCURRENCY keep-alive connections against the built
 *   server (dist/), which the bench starts itself with INTAKE_RATE_LIMIT=0 and MAIL_WORKER=false
 *   (delivery is the worker's job, `npm run worker`, and the floor sends no mail either).
 * It prints throughput, p50/p99, the server's CPU milliseconds per complaint (utime+stime from
 * /proc), its peak RSS, the rows written per complaint, the load average, and the ratio to the floor.
 *
 * Before the first round, BENCH_WARMUP_SECONDS (default 5) of the same HTTP load, not counted: the
 * server's JIT, its pool's connections and prepared statements start cold, and without it the first
 * round's figures (server CPU per complaint about twice the second's) measured the start, not intake.
 *
 * DATABASE_URL (default: the embedded database of a running `npm start`), BENCH_SECONDS (default 20),
 * BENCH_ROUNDS (default 2, interleaved), BENCH_CONCURRENCY (default 32), PGBENCH (default pgbench on
 * PATH, else /usr/lib/postgresql/15/bin/pgbench). BENCH_URL measures an already running server
 * instead (loopback only; BENCH_SERVER_PID adds its CPU figures). BENCH_NODE_ARGS are passed to the
 * server's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/intake-prof`. It writes real complaints, mail
 * jobs and audit events (which can never be deleted): run it on a development database only. Mail
 * goes to example.invalid; the floor's mail jobs are due at 'infinity'.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EMBEDDED_DATABASE_URL } from '../../src/database/embedded-postgres';
import { percentile } from './stats';

const ROOT = join(__dirname, '..', '..');
const FLOOR_SCRIPT = join(__dirname, 'intake-floor.pgbench.sql');
const env = process.env;
const SECONDS = Number(env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? 5);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 32);
const RUN = `${Date.now().toString(36)}-${process.pid}`;
const DATABASE_URL = env.DATABASE_URL || EMBEDDED_DATABASE_URL;

interface Figures {
  label: string;
  ok: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  cpuMsPerOp?: number;
  firstError?: string;
}

const rate = (f: Figures) => f.ok / f.seconds;

function print(f: Figures): void {
  const cpu = f.cpuMsPerOp === undefined ? '' : `   CPU ${f.cpuMsPerOp.toFixed(2)} ms/complaint`;
  console.log(
    `${f.label.padEnd(24)} ${rate(f).toFixed(0).padStart(6)} /s   p50 ${f.p50.toFixed(1).padStart(6)} ms   ` +
      `p99 ${f.p99.toFixed(1).padStart(6)} ms   ok ${f.ok}   errors ${f.errors}${cpu}   (${f.seconds.toFixed(1)} s)`,
  );
  if (f.firstError) console.log(`${''.padEnd(24)} first error: ${f.firstError}`);
}

/** The process and its children (the server processes of WEB_PROCESSES > 1). */
function processTree(pid: number): number[] {
  const children = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...children];
}

/** utime+stime of a process and its children in ms (Linux /proc; clock ticks are 10 ms on every Linux we run). */
function cpuMs(pid: number | undefined): number | undefined {
  if (!pid || !existsSync(`/proc/${pid}/stat`)) return undefined;
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** Peak RSS of the process plus that of each of its children (each counted at its own peak). */
function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid || !existsSync(`/proc/${pid}/status`)) return undefined;
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) / 1024;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// ---------------------------------------------------------------------------------------------
// The floor: pgbench with the committed script, per-transaction log for percentiles.

function pgbenchBinary(): string {
  if (env.PGBENCH) return env.PGBENCH;
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
    return 'pgbench';
  } catch {
    return '/usr/lib/postgresql/15/bin/pgbench';
  }
}

function floorPhase(): Figures {
  const dir = mkdtempSync(join(tmpdir(), 'intake-floor-'));
  try {
    const out = execFileSync(
      pgbenchBinary(),
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(CONCURRENCY),
        '-j',
        '2',
        '-T',
        String(SECONDS),
        '-f',
        FLOOR_SCRIPT,
        '-l',
        '--log-prefix',
        join(dir, 'tx'),
        DATABASE_URL,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 },
    );
    // Per-transaction log: client_id transaction_no time_us script_no time_epoch time_us_part
    const latencies: number[] = [];
    for (const file of readdirSync(dir))
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n'))
        if (line) latencies.push(Number(line.split(' ')[2]) / 1000);
    latencies.sort((a, b) => a - b);
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
    return {
      label: 'floor (pgbench)',
      ok: latencies.length,
      errors: failed,
      seconds: latencies.length / tps,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The HTTP phase.

let agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(base: URL, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, base),
      {
        method,
        agent,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout after 30 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

function complaintBody(n: number, articleUrl: string) {
  return {
    legalBasis: 'eu-dsa',
    locale: 'en',
    complainant: { name: `Bench ${n}`, email: `bench-${RUN}-${n}@example.invalid` },
    items: [{ articleUrl, kind: 'article' }],
    explanation: 'Benchmark complaint: this statement about me is false and defamatory.',
    declarations: { truthful: true, goodFaith: true },
  };
}

let sequence = 0;

async function httpPhase(
  base: URL,
  articleUrl: string,
  pid: number | undefined,
  phaseSeconds = SECONDS,
): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const deadline = t0 + phaseSeconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const n = sequence++;
        const t = performance.now();
        try {
          const res = await request(base, 'POST', '/api/v1/complaints', complaintBody(n, articleUrl));
          if (res.status !== 201) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
          latencies.push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuMs(pid);
  latencies.sort((a, b) => a - b);
  return {
    label: 'POST /api/v1/complaints',
    ok: latencies.length,
    errors,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMsPerOp: cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / Math.max(1, latencies.length) : undefined,
    firstError,
  };
}

// ---------------------------------------------------------------------------------------------
// The server under test.

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(): Promise<{ base: URL; child: ChildProcess }> {
  const main = join(ROOT, 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error('dist/src/main.js is missing: run `npm run build` first');
  const port = await freePort();
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/intake-prof" (written when the bench stops the server).
  const nodeArgs = (env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: ROOT,
    env: {
      ...env,
      DATABASE_URL,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      INTAKE_RATE_LIMIT: '0',
      MAIL_WORKER: 'false',
      // Never dialled (no worker here); set so that no in-process SMTP server starts.
      SMTP_URL: env.SMTP_URL ?? 'smtp://127.0.0.1:1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = new URL(`http://127.0.0.1:${port}`);
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${stderr.slice(-2000)}`);
    const up = await request(base, 'GET', '/health').catch(() => null);
    if (up?.status === 200) return { base, child };
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill();
  throw new Error(`the server did not answer /health within 60 s: ${stderr.slice(-2000)}`);
}

async function counts(db: Client): Promise<Record<string, number>> {
  const { rows } = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM complaint WHERE reference LIKE 'ND-%')::int AS complaints,
            (SELECT count(*) FROM complaint_item)::int AS items,
            (SELECT count(*) FROM article_version)::int AS "article versions",
            (SELECT count(*) FROM audit_event WHERE action = 'complaint.received'
                AND payload->>'channel' = 'api')::int AS "audit events",
            (SELECT count(*) FROM mail_job WHERE next_attempt_at <> 'infinity')::int AS "mail jobs"`,
  );
  return rows[0];
}

/**
 * Waits until the server's sealer has sealed every audit event written so far (the floor's too),
 * so that the HTTP phase's CPU figure is intake's own: sealing the floor's events is not, but
 * each complaint's own event is sealed within the phase and counted. Returns the seconds waited.
 */
async function sealBacklog(db: Client): Promise<number> {
  const t0 = performance.now();
  const { rows } = await db.query<{ id: string | null }>(`SELECT max(id)::text AS id FROM audit_event`);
  const last = rows[0]?.id;
  if (!last) return 0;
  for (let i = 0; i < 600; i++) {
    const sealed = await db.query(
      `SELECT 1 FROM audit_seal WHERE low_water >= $1 OR $1 = ANY(event_ids) ORDER BY id DESC LIMIT 1`,
      [last],
    );
    if (sealed.rowCount) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const external = env.BENCH_URL ? new URL(env.BENCH_URL) : undefined;
  if (external && !['127.0.0.1', 'localhost', '[::1]'].includes(external.hostname)) {
    throw new Error(`BENCH_URL must be a loopback address (got ${external.hostname})`);
  }
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  let server: { base: URL; child: ChildProcess } | undefined;
  try {
    server = external ? undefined : await startServer();
    const base = external ?? server!.base;
    const pid = server?.child.pid ?? (env.BENCH_SERVER_PID ? Number(env.BENCH_SERVER_PID) : undefined);

    const list = await request(base, 'GET', '/api/v1/articles?limit=1');
    if (list.status !== 200) throw new Error(`GET /api/v1/articles answered ${list.status} at ${base.origin}`);
    const articleUrl = (JSON.parse(list.text) as { items: Array<{ url: string }> }).items[0]?.url;
    if (!articleUrl) throw new Error('GET /api/v1/articles returned no article');
    const probe = await request(base, 'POST', '/api/v1/complaints', complaintBody(-1, articleUrl));
    if (probe.status === 429) throw new Error('Rate limited (429): run the server with INTAKE_RATE_LIMIT=0');
    if (probe.status !== 201)
      throw new Error(`A first complaint answered ${probe.status}: ${probe.text.slice(0, 300)}`);

    // Autovacuum may be off: fresh statistics, so plans match a maintained database.
    await db.query('ANALYZE');
    console.log(
      `bench:intake: ${CONCURRENCY} clients, ${ROUNDS} round(s) of ${SECONDS} s floor + ${SECONDS} s HTTP, ` +
        `${base.origin}, loadavg ${load()}`,
    );
    if (loadavg()[0] > availableParallelism())
      console.log(
        `note: load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores: other work competes with the one-threaded server more than with pgbench's backends; figures are noisy`,
      );
    if (WARMUP_SECONDS > 0) {
      const warm = await httpPhase(base, articleUrl, pid, WARMUP_SECONDS);
      console.log(`warm-up (not counted): ${rate(warm).toFixed(0)} /s over ${WARMUP_SECONDS} s, errors ${warm.errors}`);
      agent.destroy();
      agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    }
    const ratios: number[] = [];
    let before = await counts(db);
    let cpuTotal = 0;
    let okTotal = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const floor = floorPhase();
      print(floor);
      const waited = await sealBacklog(db);
      if (waited > 0.5)
        console.log(`${''.padEnd(24)} (waited ${waited.toFixed(1)} s for the sealer to seal the floor's audit events)`);
      // Fresh keep-alive connections for each HTTP phase.
      agent.destroy();
      agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      const viaHttp = await httpPhase(base, articleUrl, pid);
      print(viaHttp);
      const ratio = rate(viaHttp) / rate(floor);
      ratios.push(ratio);
      if (viaHttp.cpuMsPerOp !== undefined) {
        cpuTotal += viaHttp.cpuMsPerOp * viaHttp.ok;
        okTotal += viaHttp.ok;
      }
      console.log(`round ${round}: HTTP intake reaches ${ratio.toFixed(2)} of the floor   loadavg ${load()}`);
    }
    const after = await counts(db);
    const made = after.complaints - before.complaints;
    before = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - before[k]) / Math.max(1, made)]));
    console.log(
      `rows per complaint: ${Object.entries(before)
        .map(([k, v]) => `${v.toFixed(2)} ${k}`)
        .join(', ')} (${made} complaints)`,
    );
    const rss = peakRssMiB(pid);
    if (okTotal) console.log(`server CPU ${(cpuTotal / okTotal).toFixed(2)} ms per complaint`);
    if (rss !== undefined) console.log(`server peak RSS ${rss.toFixed(0)} MiB`);
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
    console.log(`ratio to the floor: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median.toFixed(2)})`);
  } finally {
    agent.destroy();
    await db.end();
    if (server && server.child.exitCode === null) {
      const exited = new Promise((r) => server!.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
  }
}

main().catch((err: unknown) => {
  console.error(`bench:intake: ${err instanceof Error ? err.message : String(err)}`);
  agent.destroy();
  process.exitCode = 1;
});
