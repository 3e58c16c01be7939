import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import { json, urlencoded } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { DemoSeedService } from './articles/demo-seed.service';
import { SESSION_PATHS, StaffSessions } from './auth/staff-sessions';
import { AllExceptionsFilter } from './common/http-exception.filter';
import { installIntakeFastPath } from './complaints/intake-fast-path';
import { securityHeaders } from './common/security-headers';
import { sitePath } from './common/site-path';
import { configureViews } from './common/views';
import { AppConfig } from './config/config';
import { PROJECT_ROOT } from './config/project-root';
import { runMigrationsLocked } from './database/migrate';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the configured Nest application; used by main.ts and by the e2e tests. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const logger = LEVELS.slice(0, LEVELS.indexOf(config.logLevel as LogLevel) + 1);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger,
    bodyParser: false,
  });
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use(json({ limit: '1mb' }));
  app.use(urlencoded({ extended: true, limit: '1mb' }));
  app.use(cookieParser());
  // The JSON API is never stored by a browser or proxy: staff data, private tracking tokens, and
  // errors (401/403/404) alike. Set before routing, so guard and filter answers carry it too.
  app.use('/api/v1', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // Staff sessions (cookie nd_staff, rows in staff_session) exist only where staff work; the public site never loads one.
  app.use(SESSION_PATHS, ...app.get(StaffSessions).middleware());
  app.useStaticAssets(join(PROJECT_ROOT, 'templates', 'public'), { prefix: '/assets/', maxAge: '1h' });
  configureViews(app);
  // Every page (the error page too) knows the contact address and its own path (language switch).
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.contactEmail = config.contactEmail;
    res.locals.currentPath = sitePath(req.path);
    next();
  });
  app.useGlobalFilters(new AllExceptionsFilter());

  const doc = new DocumentBuilder()
    .setTitle('Notice Desk API')
    .setDescription('Complaint intake, tracking and the article catalogue')
    .setVersion('1')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc));

  const db = app.get(DataSource);
  if (config.migrationsRun) {
    const ran = await runMigrationsLocked(db);
    if (ran.length) new Logger('Migrations').log(`Applied ${ran.map((m) => m.name).join(', ')}`);
  }
  if (config.demoData) await app.get(DemoSeedService).seedOnce();
  // A plain JSON filing is served below Nest and Express, answering exactly as the route would.
  if (config.intakeFastPath) installIntakeFastPath(app);
  return app;
}
