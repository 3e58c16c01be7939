import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/config';
import { SmtpSink, SinkOptions } from './smtp-sink';
import { testDatabaseUrl } from './database';

export interface TestApp {
  app: NestExpressApplication;
  baseUrl: string;
  config: AppConfig;
  sink: SmtpSink;
  uploadDir: string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The real application in the test process: real PostgreSQL (the run's database, real
 * migrations), real SMTP to an in-test sink, a real port. `env` overrides configuration.
 */
export async function startTestApp(env: Record<string, string> = {}, sinkOptions: SinkOptions = {}): Promise<TestApp> {
  const sink = new SmtpSink();
  const smtpUrl = await sink.start(sinkOptions);
  const port = await freePort();
  const uploadDir = mkdtempSync(join(tmpdir(), 'nd-uploads-'));
  const config = loadConfig({
    DATABASE_URL: testDatabaseUrl(),
    SMTP_URL: smtpUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    CONTACT_EMAIL: 'desk@example.test',
    MAIL_FROM: 'Notice Desk <desk@news.example.test>',
    UPLOAD_DIR: uploadDir,
    INTAKE_RATE_LIMIT: '0',
    LOGIN_RATE_LIMIT: '0',
    MAIL_POLL_MS: '100',
    MAIL_RETRY_BASE_MS: '100',
    AUDIT_SEAL_MS: '200',
    // The deadline digest mails every admin: off unless a spec turns it on or drives it.
    SLA_DIGEST_MS: '0',
    // The scheduled audit verification mails every admin: off unless a spec drives it.
    INTEGRITY_CHECK_MS: '0',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(port, '127.0.0.1');
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    config,
    sink,
    uploadDir,
    close: async () => {
      await app.close();
      await sink.stop();
    },
  };
}
