import { AppConfig } from './config/config';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { LocalSmtp, startLocalSmtp } from './mail/local-smtp.server';

export interface Runtime {
  config: AppConfig;
  /** The in-process SMTP server when there is no SMTP_URL (zero-config mode). */
  localSmtp: LocalSmtp | null;
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
  let localSmtp: LocalSmtp | null = null;
  if (!smtpUrl) {
    const smtp = await startLocalSmtp(databaseUrl, config.localSmtpPort);
    smtpUrl = smtp.url;
    localSmtp = smtp;
    stops.push(() => smtp.stop());
  }
  return {
    config: { ...config, databaseUrl, smtpUrl },
    localSmtp,
    stop: async () => {
      for (const s of stops.reverse()) await s();
    },
  };
}
