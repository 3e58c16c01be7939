import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { hashToken } from '../common/tokens';
import type { Locale } from './legal-basis';

export interface TrackingView {
  reference: string;
  state: string;
  legalBasis: string;
  locale: Locale;
  receivedAt: Date;
  items: Array<{ kind: string; articleTitle: string; articleUrl: string; detail: string | null }>;
  timeline: Array<{ at: Date; action: string; text: string }>;
  /** What the reviewer asked for, while the case waits on the complainant. */
  infoRequest: { missing: string[]; message?: string; answerBy: Date | null } | null;
  /** After a valid counter-notice: the restoration date and the complainant's latest proof of a suit or complaint. */
  restoration: {
    at: Date | null;
    proof: { status: string; reason: string | null; createdAt: Date } | null;
  } | null;
}

/** Audit actions a complainant may see on the tracking page; internal ones stay internal. */
const PUBLIC_ACTIONS = new Set([
  'complaint.received',
  'complaint.transition',
  'complaint.answered',
  'complaint.appealed',
  'mail.sent',
  'litigation_proof.filed',
  'litigation_proof.refused',
]);
/** Mail addressed to the complainant (the audit trail keeps no addresses, only templates). */
const COMPLAINANT_TEMPLATES = new Set([
  'complaint-receipt',
  // A duplicate's note to the address owner: shown like a receipt, so its page reads as any new filing's.
  'complaint-joined',
  'complaint-needs-info',
  'complaint-rejected',
  'complaint-actioned',
  'counter-notice-accepted',
  'litigation-proof-refused',
  // Not 'complaint-duplicate' (staff marked it): that mail names the earlier case, and whoever holds
  // this link may not own the address; the address's mailbox has it.
]);

/**
 * `c` is the case a complainant's token opens: the token of intake (on the case) or one minted
 * later for a mail (access_link). $1 is the token's SHA-256.
 */
export const COMPLAINANT_TOKEN_MATCH = `c.id IN (
  SELECT id FROM complaint WHERE tracking_token_hash = $1
  UNION ALL
  SELECT complaint_id FROM access_link
   WHERE token_hash = $1 AND party = 'complainant' AND (expires_at IS NULL OR expires_at > now()))`;

@Injectable()
export class TrackingService {
  constructor(private readonly db: DataSource) {}

  /** The case behind a tracking token (only its SHA-256 is stored), for the complainant. */
  async find(token: string, locale: Locale): Promise<TrackingView> {
    if (!/^[A-Za-z0-9_-]{40,64}$/.test(token)) throw new NotFoundError('No case for this tracking link');
    const rows = await this.db.query<
      Array<{
        id: string;
        reference: string;
        state: string;
        legal_basis: string;
        locale: Locale;
        received_at: Date;
        info_request: { missing: string[]; message?: string } | null;
        due_at: Date | null;
        restoration_due_at: Date | null;
        items: TrackingView['items'];
      }>
    >(
      `SELECT c.id, c.reference, c.state, c.legal_basis, c.locale, c.received_at, c.info_request, c.due_at, c.restoration_due_at,
              (SELECT json_agg(json_build_object('kind', i.kind, 'articleTitle', a.title, 'articleUrl', a.url, 'detail', i.detail) ORDER BY i.position)
                 FROM complaint_item i JOIN article a ON a.id = i.article_id WHERE i.complaint_id = c.id) AS items
         FROM complaint c WHERE ${COMPLAINANT_TOKEN_MATCH}`,
      [hashToken(token)],
    );
    const c = rows[0];
    if (!c) throw new NotFoundError('No case for this tracking link');
    const [proof] = await this.db.query<Array<{ status: string; reason: string | null; created_at: Date }>>(
      `SELECT status, reason, created_at FROM litigation_proof WHERE complaint_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [c.id],
    );
    const events = await this.db.query<Array<{ occurred_at: Date; action: string; payload: Record<string, unknown> }>>(
      `SELECT occurred_at, action, payload FROM audit_event
        WHERE subject_type = 'complaint' AND subject_id = $1 ORDER BY id`,
      [c.id],
    );
    const timeline = events
      .filter((e) => PUBLIC_ACTIONS.has(e.action))
      // Only mail the complainant received belongs on their page.
      .filter((e) => e.action !== 'mail.sent' || COMPLAINANT_TEMPLATES.has(String(e.payload.template)))
      // Nor the step that joined it to the earlier case (its payload names that case).
      .filter((e) => !(e.action === 'complaint.transition' && e.payload.to === 'duplicate'))
      .map((e) => {
        // A duplicate reads as any new filing: whoever used the address learns nothing of the
        // earlier case (its owner is told by mail, complaint-joined).
        const text = translate(locale, `timeline.${e.action}`, { ...e.payload });
        // A state change names the new state, in the complainant's words.
        if (e.action === 'complaint.transition')
          return {
            at: e.occurred_at,
            action: e.action,
            text: `${text}：${translate(locale, `state.${String(e.payload.to)}.label`)}`.replace(
              '：',
              locale === 'en' ? ': ' : '：',
            ),
          };
        return { at: e.occurred_at, action: e.action, text };
      });
    return {
      reference: c.reference,
      state: c.state === 'duplicate' ? 'received' : c.state,
      legalBasis: c.legal_basis,
      locale: c.locale,
      receivedAt: c.received_at,
      items: c.items ?? [],
      timeline,
      infoRequest: c.info_request
        ? { missing: c.info_request.missing, message: c.info_request.message, answerBy: c.due_at }
        : null,
      restoration: ['restoration_pending', 'litigation_hold'].includes(c.state)
        ? {
            at: c.state === 'restoration_pending' ? c.restoration_due_at : null,
            proof: proof ? { status: proof.status, reason: proof.reason, createdAt: proof.created_at } : null,
          }
        : null,
    };
  }
}
