/**
 * Every message the desk sends (except intake's, written by its one-statement CTE), and the
 * payload its templates read. `MailOutbox.send(tx, name, to, locale, payload)` takes exactly
 * this shape, so no caller builds payload JSON by hand. A private link is typed `null`: the
 * worker mints it at send time (mail-links.ts), and the outbox refuses anything else.
 */
interface DecisionItem {
  itemLabel: string;
  remedy: string;
}

export interface MailPayloads {
  'complaint-needs-info': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    missing: string[];
    message: string | null;
    answerUrl: null;
    answerByDate: string;
  };
  'complaint-duplicate': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    earlierReference: string;
    trackingUrl: null;
  };
  'complaint-rejected': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    reason: string;
    trackingUrl: null;
    appealUntil: string;
  };
  'complaint-actioned': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    reason: string;
    remedies: DecisionItem[];
    trackingUrl: null;
    appealUntil: string;
  };
  'owner-notice': {
    reference: string;
    ownerName: string;
    articleTitle: string;
    articleUrl: string;
    legalBasis: string;
    reason: string;
    remedies: DecisionItem[];
    /** Only where the legal basis makes the notice name the complainant (DMCA 512(g)). */
    complainantName: string | null;
    responseUrl: null;
    responseUntil: string;
  };
  'complaint-info-answered': {
    reference: string;
    moderatorName: string;
    caseUrl: string;
    answerExcerpt: string;
    fileCount: number;
  };
  /** needs_info -> closed by the timer: nothing was received in NEEDS_INFO_DAYS. */
  'complaint-closed-no-answer': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    requestedAt: string | null;
    days: number;
    trackingUrl: null;
  };
  /** The contact mailbox's receipt for a new message, a reply in its thread (src/inbox/). */
  'inbox-ack': {
    reference: string;
    senderName: string | null;
    subject: string | null;
    readBy: string;
    formUrl: string;
    articleCount: number;
  };
  'staff-invitation': {
    invitationUrl: null;
    invitation: string;
    displayName: string;
    email: string;
    role: string;
    invitedBy: string;
    expiresAt: string;
    hours: number;
  };
}

export type MailTemplate = keyof MailPayloads;

export const MAIL_TEMPLATES: readonly MailTemplate[] = [
  'complaint-needs-info',
  'complaint-duplicate',
  'complaint-rejected',
  'complaint-actioned',
  'owner-notice',
  'complaint-info-answered',
  'complaint-closed-no-answer',
  'staff-invitation',
  'inbox-ack',
];
