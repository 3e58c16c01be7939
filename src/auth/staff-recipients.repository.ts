import type { DataSource, EntityManager } from 'typeorm';
import type { Locale } from '../complaints/legal-basis';

type Db = Pick<DataSource | EntityManager, 'query'>;

/** A staff member as a mail recipient: where, and in which language (staff_user.locale). */
export interface StaffRecipient {
  email: string;
  displayName: string;
  locale: Locale;
}

/** A mail's address and language; CONTACT_EMAIL, not an account, reads the desk's language. */
export interface MailAddress {
  email: string;
  locale: Locale;
}

/** The desk's own language: what mail to CONTACT_EMAIL is written in. */
export const DESK_LOCALE: Locale = 'zh-CN';

const COLUMNS = `email, display_name AS "displayName", locale`;

/** Active admins, each with their language: who hears of breaches and of the integrity check. */
export async function activeAdmins(db: Db): Promise<StaffRecipient[]> {
  return db.query<StaffRecipient[]>(
    `SELECT ${COLUMNS} FROM staff_user WHERE role = 'admin' AND status = 'active' ORDER BY email`,
  );
}

/**
 * One staff member (a case's assignee) who can still read the desk's mail, or null: a disabled
 * account reads nothing, so callers fall back to the contact address.
 */
export async function staffRecipient(db: Db, id: string): Promise<StaffRecipient | null> {
  const [row] = await db.query<StaffRecipient[]>(
    `SELECT ${COLUMNS} FROM staff_user WHERE id = $1 AND status = 'active'`,
    [id],
  );
  return row ?? null;
}

/**
 * Staff recipients plus the contact address, once each. When CONTACT_EMAIL is also a staff
 * account's address, that person's language wins: the mail is read by them.
 */
export function withContact(staff: readonly StaffRecipient[], contactEmail: string): MailAddress[] {
  const out = new Map<string, MailAddress>();
  for (const s of staff) out.set(s.email.toLowerCase(), { email: s.email, locale: s.locale });
  const key = contactEmail.toLowerCase();
  if (!out.has(key)) out.set(key, { email: contactEmail, locale: DESK_LOCALE });
  return [...out.values()];
}
