import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/config';
import { EMBEDDED_DATABASE_URL } from '../database/embedded-postgres';
import { AuditVerifier } from './audit-verifier.service';

const USAGE = 'usage: npm run audit:verify -- [--expect SEAL_HASH] [--jobs N]';

/**
 * `npm run audit:verify`: read-only check of the audit trail's hash chain.
 * Exit 0 intact, 1 tampered (names the first bad event), 2 cannot connect or cannot read.
 *   --expect HASH  a seal hash kept elsewhere (printed by an earlier run): broken unless that
 *                  seal is still in the chain. Catches a history rewritten consistently from the start.
 *   --jobs N       connections checking seal ranges in parallel (default 2).
 */
async function main(): Promise<number> {
  let args: { expect?: string; jobs: number };
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`audit:verify: ${message(err)}\n${USAGE}`);
    return 2;
  }
  let url: string;
  try {
    url = loadConfig().databaseUrl ?? EMBEDDED_DATABASE_URL;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const where = redact(url);
  const db = new DataSource({ type: 'postgres', url, extra: { max: args.jobs, connectionTimeoutMillis: 10_000 } });
  try {
    await db.initialize();
  } catch (err) {
    console.error(`audit:verify: cannot connect to ${where}: ${message(err)}`);
    return 2;
  }
  try {
    const started = performance.now();
    const r = await new AuditVerifier(db).verify(args);
    const seconds = (performance.now() - started) / 1000;
    const summary = `${r.seals} seal(s), ${r.sealedEvents} sealed event(s), ${r.unsealed} recent event(s) not sealed yet`;
    if (r.ok) {
      const rate = Math.round(r.sealedEvents / Math.max(seconds, 1e-3));
      console.log(`audit:verify: intact (${where}): ${summary}`);
      console.log(
        `audit:verify: ${seconds.toFixed(2)} s, ${rate.toLocaleString('en-US')} events/s, ${args.jobs} connection(s)`,
      );
      if (r.lastHash)
        console.log(`audit:verify: last seal hash ${r.lastHash} (keep it elsewhere; check later with --expect)`);
      return 0;
    }
    const bad = r.firstBad;
    const subject = bad?.eventId ? `event ${bad.eventId}` : `seal ${bad?.sealId ?? '?'}`;
    const inSeal = bad?.eventId && bad.sealId ? ` (seal ${bad.sealId})` : '';
    console.error(`audit:verify: BROKEN (${where}): ${subject}${inSeal}: ${bad?.problem ?? 'unknown problem'}`);
    console.error(`audit:verify: checked before the break: ${summary}`);
    return 1;
  } catch (err) {
    console.error(`audit:verify: cannot read the audit trail at ${where}: ${message(err)}`);
    return 2;
  } finally {
    await db.destroy();
  }
}

function parseArgs(argv: string[]): { expect?: string; jobs: number } {
  const out: { expect?: string; jobs: number } = { jobs: 2 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--expect') {
      const hash = value().trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('--expect takes a seal hash: 64 hex digits');
      out.expect = hash;
    } else if (flag === '--jobs') {
      const jobs = Number(value());
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) throw new Error('--jobs takes a whole number from 1 to 16');
      out.jobs = jobs;
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the database';
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
