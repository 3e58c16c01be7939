import 'reflect-metadata';
import dataSource from './cli-data-source';
import { runMigrationsLocked } from './migrate';

/**
 * `npm run migration:run`: applies pending migrations under the same advisory lock the app and
 * the worker take at start, so running it while instances start is safe.
 */
async function main(): Promise<void> {
  await dataSource.initialize();
  try {
    const ran = await runMigrationsLocked(dataSource);
    console.log(ran.length ? `Applied ${ran.map((m) => m.name).join(', ')}` : 'No pending migrations');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
