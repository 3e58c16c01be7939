import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import { createApp } from './app.factory';
import { loadConfigOrExit } from './config/config';
import { InboxService } from './inbox/inbox.service';
import { startRuntime } from './runtime';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.webProcesses > 1 && cluster.isPrimary) return supervise(config.webProcesses, config);
  const runtime = await startRuntime(config);
  const app = await createApp(runtime.config);
  await app.listen(runtime.config.port, runtime.config.host);
  // Zero-config contact mailbox: with no IMAP_URL, mail sent to CONTACT_EMAIL over the local SMTP port is filed.
  const inbox = app.get(InboxService);
  if (!runtime.config.imapUrl)
    runtime.localSmtp?.acceptContactMail(runtime.config.contactEmail, (raw) => inbox.receive(raw, 'smtp'));
  const logger = new Logger('NoticeDesk');
  logger.log(`Notice Desk is up at ${runtime.config.publicBaseUrl}`);
  if (!config.smtpUrl)
    logger.log(`No SMTP_URL: mail goes to the local mailbox at ${runtime.config.publicBaseUrl}/mailbox`);
  const stop = async () => {
    await app.close();
    await runtime.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/**
 * WEB_PROCESSES > 1: this process only starts the servers (node:cluster: each listens on the one
 * port, connections are shared out among them) and replaces one that dies. Each is a full instance
 * as in README "Running at scale" (mail claims, sealing, timers and the mailbox are safe to run in
 * several). The first starts alone, so that migrations and the demo catalogue are done before the rest.
 */
function supervise(count: number, config: { databaseUrl?: string; smtpUrl?: string }): void {
  const logger = new Logger('NoticeDesk');
  if (!config.databaseUrl || !config.smtpUrl) {
    logger.error(
      'WEB_PROCESSES > 1 needs DATABASE_URL and SMTP_URL (the embedded database and mailbox are per process)',
    );
    process.exit(1);
  }
  let stopping = false;
  let up = false;
  const first = cluster.fork();
  first.once('listening', () => {
    up = true;
    for (let i = 1; i < count; i++) cluster.fork();
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!up && !stopping) {
      logger.error('the first server process did not start; see its error above');
      process.exit(1);
    }
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error(`server process ${worker.process.pid} ended (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (!workers.length) process.exit(0);
    for (const w of workers) w?.process.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
