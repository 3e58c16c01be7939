import 'reflect-metadata';
import { DynamicModule, Logger, LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from './audit/audit.module';
import { loadConfigOrExit } from './config/config';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './database/data-source';
import { runMigrationsLocked } from './database/migrate';
import { EMBEDDED_DATABASE_URL } from './database/embedded-postgres';
import { MailModule } from './mail/mail.module';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Just what delivery needs: no HTTP, no demo data (pending migrations are applied at start). */
@Module({})
class WorkerModule {
  static forRoot(config: AppConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl)),
        AuditModule,
        MailModule,
      ],
    };
  }
}

/**
 * `npm run worker`: a mail worker process beside (or instead of) the one in the web process.
 * It needs a real SMTP_URL, since the zero-config local mailbox lives in the web process, and
 * it uses DATABASE_URL or, without one, the embedded server that `npm start` runs.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.smtpUrl) {
    console.error(
      'SMTP_URL is not set. The standalone mail worker needs a real SMTP server: without SMTP_URL, ' +
        'mail goes to the local mailbox inside the web process, whose own worker delivers it (MAIL_WORKER=true).',
    );
    process.exit(1);
  }
  const databaseUrl = config.databaseUrl ?? EMBEDDED_DATABASE_URL;
  if (config.migrationsRun) {
    // Before the worker polls, under the same advisory lock as the web process and the CLI:
    // whoever starts first migrates, once; the others wait and find nothing left to do.
    const db = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
    try {
      const ran = await runMigrationsLocked(db);
      if (ran.length) console.log(`Migrations applied: ${ran.map((m) => m.name).join(', ')}`);
    } finally {
      await db.destroy();
    }
  }
  const app = await NestFactory.createApplicationContext(
    // MAIL_WORKER=false is meant for the web process that leaves delivery to this one.
    WorkerModule.forRoot({ ...config, databaseUrl, mailWorker: true }),
    { logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel as LogLevel) + 1) },
  );
  await app.init();
  const logger = new Logger('Worker');
  logger.log(`Mail worker running (poll every ${config.mailPollMs} ms)`);
  const stop = async (signal: string) => {
    logger.log(`${signal}: finishing the current batch`);
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
