import { hashToken, newToken } from '../common/tokens';
import type { EntityManager } from 'typeorm';
import { returnedRows } from '../database/returned-rows';

export type LinkParty = 'complainant' | 'content_owner';

/**
 * Payload keys that hold a private link, and whose link it is. The outbox stores them as null
 * (a CHECK on mail_job refuses anything else); MailWorker mints a fresh token at send time,
 * keeps only its SHA-256 in access_link and renders the link into the message alone. So no
 * table holds a usable link, and a link is only ever in the recipient's mailbox.
 */
export const MAIL_LINK_KEYS: Record<string, LinkParty> = {
  trackingUrl: 'complainant',
  answerUrl: 'complainant',
  responseUrl: 'content_owner',
};

const PATHS: Record<LinkParty, string> = { complainant: '/track/', content_owner: '/respond/' };

export interface LinkJob {
  id: string;
  to_address: string;
  payload: Record<string, unknown>;
  complaint_id: string | null;
  /** The message's language: a content owner's page opens in it (their article's owner_locale). */
  locale?: string;
}

/**
 * The payload to render: each link key present is filled with a newly minted link to the job's
 * case (a content owner's link names the recipient, so their page shows their items only, and
 * lasts until `responseUntil` when the payload has one; a resend of the job replaces the link its
 * earlier attempt minted). Returns the payload unchanged when it
 * has no link key.
 */
export async function mintMailLinks(
  db: Pick<EntityManager, 'query'>,
  baseUrl: string,
  job: LinkJob,
): Promise<Record<string, unknown>> {
  if (INVITATION_LINK_KEY in job.payload) return mintInvitationLink(db, baseUrl, job.payload);
  const keys = Object.keys(MAIL_LINK_KEYS).filter((k) => k in job.payload);
  if (!keys.length || !job.complaint_id) return job.payload;
  const urls = new Map<LinkParty, string>();
  for (const party of new Set(keys.map((k) => MAIL_LINK_KEYS[k]))) {
    const token = newToken();
    const until = party === 'content_owner' ? validDate(job.payload.responseUntil) : null;
    // A resend of the same message (a lost reply, a retry) replaces the link of the earlier
    // attempt, so each message has one live link, as invitations do.
    await db.query(
      `WITH earlier AS (DELETE FROM access_link WHERE mail_job_id = $6 AND party = $3)
       INSERT INTO access_link (token_hash, complaint_id, party, owner_email, expires_at, mail_job_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        hashToken(token),
        job.complaint_id,
        party,
        party === 'content_owner' ? job.to_address.trim().toLowerCase() : null,
        until,
        job.id,
      ],
    );
    const lang = party === 'content_owner' && job.locale ? `?lang=${encodeURIComponent(job.locale)}` : '';
    urls.set(party, `${baseUrl}${PATHS[party]}${token}${lang}`);
  }
  return { ...job.payload, ...Object.fromEntries(keys.map((k) => [k, urls.get(MAIL_LINK_KEYS[k])])) };
}

function validDate(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * A staff invitation's link (`invitationUrl`, with the invitation's id under `invitation`): the
 * invitation row is written with an unusable placeholder hash, and each send gives it a fresh
 * token, so the one usable link is in the invitee's mailbox only. A resend (after a lost reply)
 * replaces the link of the earlier attempt. An invitation already used or revoked gets no link.
 */
export const INVITATION_LINK_KEY = 'invitationUrl';

/** The link's subject is gone for good (an invitation used, revoked or expired): retrying cannot help. */
export class LinkGoneError extends Error {}

async function mintInvitationLink(
  db: Pick<EntityManager, 'query'>,
  baseUrl: string,
  payload: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const token = newToken();
  const rows = await db.query<Array<{ id: string }>>(
    `UPDATE staff_invitation SET token_hash = $1
      WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
    [hashToken(token), String(payload.invitation)],
  );
  if (!returnedRows(rows).length)
    throw new LinkGoneError('the invitation is no longer open (used, revoked or expired)');
  return { ...payload, [INVITATION_LINK_KEY]: `${baseUrl}/staff/invitation/${token}` };
}
