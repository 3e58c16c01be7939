import 'reflect-metadata';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { PROJECT_ROOT } from '../config/project-root';
import { ENTITIES } from './entities';

/**
 * The one place that builds DataSource options, shared by the app, the migration CLI
 * (`npm run migration:*`, through cli-data-source.ts) and the tests. synchronize is never on: the schema comes from
 * the reviewed migrations in migrations/. `poolMax`: connections per process (DB_POOL_MAX for the app).
 */
export function dataSourceOptions(url: string, poolMax = 20): DataSourceOptions {
  const fromDist = __filename.endsWith('.js');
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [join(PROJECT_ROOT, fromDist ? 'dist/migrations/*.js' : 'migrations/*.ts')],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolMax },
  };
}
