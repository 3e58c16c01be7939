import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { loadConfigOrExit } from './config/config';
import { InboxService } from './inbox/inbox.service';
import { startRuntime } from './runtime';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
