import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/config';
import { EMBEDDED_DATABASE_URL } from '../database/embedded-postgres';
import { AuditVerifier } from './audit-verifier.service';

/**
 * `npm run audit:verify`: read-only check of the audit trail's hash chain.
 * Exit 0 intact, 1 tampered (names the first bad event), 2 cannot connect or cannot read.
 */
async function main(): Promise<number> {
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
  const db = new DataSource({ type: 'postgres', url, extra: { max: 1, connectionTimeoutMillis: 10_000 } });
  try {
    await db.initialize();
  } catch (err) {
    console.error(`audit:verify: cannot connect to ${where}: ${message(err)}`);
    return 2;
  }
  try {
    const r = await new AuditVerifier(db).verify();
    const summary = `${r.seals} seal(s), ${r.sealedEvents} sealed event(s), ${r.unsealed} recent event(s) not sealed yet`;
    if (r.ok) {
      console.log(`audit:verify: intact (${where}): ${summary}`);
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
