import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config/config';

/** A job id and its stable Message-ID (<uuid@domain>), fixed at enqueue so retries thread. */
export function newMessageId(domain: string): { id: string; messageId: string } {
  const id = randomUUID();
  return { id, messageId: `<${id}@${domain}>` };
}

/** The domain of MAIL_FROM's address, else the host of PUBLIC_BASE_URL. */
export function mailDomain(config: Pick<AppConfig, 'mailFrom' | 'publicBaseUrl'>): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.mailFrom);
  if (m) return m[1].toLowerCase();
  return new URL(config.publicBaseUrl).hostname;
}
