import type { DataSource, Migration } from 'typeorm';

/** pg_advisory_lock key held while migrations run (any fixed number; this one spells "ND migr"). */
export const MIGRATION_LOCK_KEY = '5638157342173545074';

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so instances that start
 * together (web processes, workers, the migration CLI) apply each migration once: the others
 * wait for the lock, then find nothing left to do. The lock belongs to a connection of its own
 * and goes with it if the process dies.
 */
export async function runMigrationsLocked(db: DataSource): Promise<Migration[]> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      return await db.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
