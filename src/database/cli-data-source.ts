import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from '../config/config';
import { dataSourceOptions } from './data-source';
import { EMBEDDED_DATABASE_URL } from './embedded-postgres';

// The TypeORM CLI's entry (`typeorm -d src/database/cli-data-source.ts`) needs a default export.
// Without DATABASE_URL it talks to the embedded server that `npm start` runs.
export default new DataSource(dataSourceOptions(loadConfigOrExit().databaseUrl ?? EMBEDDED_DATABASE_URL));
