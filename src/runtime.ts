import { AppConfig } from './config/config';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { startLocalSmtp } from './mail/local-smtp.server';

export interface Runtime {
  config: AppConfig;
  stop(): Promise<void>;
}

/**
 * The zero-configuration defaults: with no DATABASE_URL an embedded PostgreSQL under
 * DATA_DIR; with no SMTP_URL an in-process SMTP server whose messages land in the
 * mailbox_message table (readable in the app). With both set, nothing is started here.
 */
export async function startRuntime(config: AppConfig): Promise<Runtime> {
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres(config.dataDir);
    databaseUrl = pg.url;
    stops.push(() => pg.stop());
  }
  let smtpUrl = config.smtpUrl;
  if (!smtpUrl) {
    const smtp = await startLocalSmtp(databaseUrl, config.localSmtpPort);
    smtpUrl = smtp.url;
    stops.push(() => smtp.stop());
  }
  return {
    config: { ...config, databaseUrl, smtpUrl },
    stop: async () => {
      for (const s of stops.reverse()) await s();
    },
  };
}
