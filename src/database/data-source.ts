import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../config/config';
import { PROJECT_ROOT } from '../config/project-root';
import { EMBEDDED_DATABASE_URL } from './embedded-postgres';
import { ENTITIES } from './entities';

/**
 * The one place that builds DataSource options, shared by the app, the migration CLI
 * (`npm run migration:*`) and the tests. synchronize is never on: the schema comes from
 * the reviewed migrations in migrations/.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  const fromDist = __filename.endsWith('.js');
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [join(PROJECT_ROOT, fromDist ? 'dist/migrations/*.js' : 'migrations/*.ts')],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 20 },
  };
}

// The CLI entry: `typeorm -d src/database/data-source.ts` needs a default export.
// Without DATABASE_URL it talks to the embedded server that `npm start` runs.
export default new DataSource(dataSourceOptions(loadConfig().databaseUrl ?? EMBEDDED_DATABASE_URL));
