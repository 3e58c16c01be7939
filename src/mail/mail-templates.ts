/**
 * Every message the desk sends (except intake's, written by its one-statement CTE), and the
 * payload its templates read. `MailOutbox.send(tx, name, to, locale, payload)` takes exactly
 * this shape, so no caller builds payload JSON by hand. A private link is typed `null`: the
 * worker mints it at send time (mail-links.ts), and the outbox refuses anything else.
 */
/** A mail both parties receive in their own words: each gets only their own private link. */
export type PartyMail = {
  reference: string;
  name: string;
  legalBasis: string;
} & ({ audience: 'complainant'; trackingUrl: null } | { audience: 'owner'; responseUrl: null; responseUntil: string });

interface DecisionItem {
  itemLabel: string;
  remedy: string;
}

/** An item after an appeal or a withdrawal: the remedy decided and whether it stands on the site now. */
export interface AppealLine {
  itemLabel: string;
  remedy: string;
  standing: boolean;
}

/** Each party's copy: the complainant's carries their tracking link, an owner's their response link. */
type PartyLink =
  | { recipient: 'complainant'; trackingUrl: null }
  | { recipient: 'content_owner'; articleTitle: string; responseUrl: null; responseUntil: string };

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
  /** needs_info -> closed by the timer: nothing was received in NEEDS_INFO_WORKING_DAYS (or NEEDS_INFO_DAYS). */
  'complaint-closed-no-answer': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    requestedAt: string | null;
    days: number;
    /** Whether `days` are working days of the case's calendar (else calendar days). */
    workingDays: boolean;
    trackingUrl: null;
  };
  /** received -> not_processed (misuse procedure): why, after which warning, and how to appeal. */
  'complaint-not-processed': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    reason: string;
    warnedAt: string;
    trackingUrl: null;
    appealUntil: string;
  };
  /** not_processed -> received: an admin who did not take the decision reopened the notice. */
  'complaint-reopened': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    reason: string;
    trackingUrl: null;
  };
  /** A misuse warning to a complainant's address (DSA Art. 23), the step before not processing. */
  'complainant-warning': {
    reference: string;
    complainantName: string;
    reason: string;
    validDays: number;
  };
  /**
   * To each admin, in their locale: cases that passed their due time since the last digest (SlaDigestWorker),
   * each once per missed due time. `reference` is the case's when the digest names only one.
   */
  'deadline-breached': {
    reference: string | null;
    cases: Array<{ reference: string; state: string; dueAt: string; hoursLate: number }>;
    queueUrl: string;
  };
  /**
   * To each active admin (their locale) and CONTACT_EMAIL (zh-CN), once a day (IntegrityService.runScheduled): the
   * audit trail verified, up to which event, and the newest seal hash, so a copy lives outside
   * the database. `broken`: the chain no longer verifies; the first bad event/seal and why.
   */
  'audit-seal-digest': {
    broken: boolean;
    lastHash: string | null;
    lastSealId: string | null;
    lastEventId: string | null;
    eventsChecked: number;
    sealsChecked: number;
    verifiedAt: string;
    badEventId: string | null;
    badSealId: string | null;
    problem: string | null;
    pageUrl: string;
  };
  /**
   * 条例 Art. 17: a cn-copyright filing about a work already restored on a counter-notice. Queued
   * by intake's one statement (like the receipt), besides the receipt; this type documents its payload.
   */
  'complaint-renotice-barred': {
    reference: string;
    earlierReference: string;
    complainantName: string;
    legalBasis: string;
    receivedAt: string;
    items: Array<{ kind: string; articleTitle: string; articleUrl: string; detail: string | null }>;
  };
  /** A party appealed (DSA Art. 20): a receipt to the appellant, word to the other party. */
  'appeal-received': {
    reference: string;
    recipientName: string;
    legalBasis: string;
    appellant: 'complainant' | 'content_owner';
  } & PartyLink;
  /** appeal_review -> actioned | rejected | restored: the outcome, its reasons, what changes. */
  'appeal-decided': {
    reference: string;
    recipientName: string;
    legalBasis: string;
    appellant: 'complainant' | 'content_owner';
    outcome: 'actioned' | 'rejected' | 'restored';
    reason: string;
    items: AppealLine[];
    /** When the recipient may still appeal the new decision (once per party and case); null if not. */
    appealUntil: string | null;
  } & PartyLink;
  /** The complainant withdrew: a confirmation, and what rested on the case and was undone. */
  'complaint-withdrawn': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    undone: AppealLine[];
    trackingUrl: null;
  };
  /** To an owner whose article had been touched: the complaint was withdrawn. */
  'owner-withdrawn': {
    reference: string;
    ownerName: string;
    articleTitle: string;
    legalBasis: string;
    items: AppealLine[];
  };
  /** Staff: a content owner sent a fix or a counter-notice, or the complainant proof of a suit (to the assignee, else the contact address). */
  'owner-response-received': {
    reference: string;
    kind: 'fix' | 'counter_notice' | 'litigation_proof';
    caseUrl: string;
    excerpt: string;
    fileCount: number;
  };
  /** counter_notice_review -> actioned: the owner is told what is missing and may file again. */
  'counter-notice-incomplete': {
    reference: string;
    ownerName: string;
    legalBasis: string;
    missing: string[];
    responseUrl: null;
    responseUntil: string;
  };
  /** counter_notice_review -> actioned: the counter-notice is invalid, with reasons. */
  'counter-notice-invalid': {
    reference: string;
    ownerName: string;
    legalBasis: string;
    reason: string;
    responseUrl: null;
    responseUntil: string;
  };
  /** counter_notice_review -> restoration_pending, to the complainant: the counter-notice as the law lets them see it, the date, their options. */
  'counter-notice-accepted': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    lines: Array<{ label: string; value: string }>;
    items: string[];
    fileCount: number;
    restoreAt: string;
    trackingUrl: null;
  };
  /** counter_notice_review -> restoration_pending, to the owner who filed: the restoration date. */
  'restoration-scheduled': {
    reference: string;
    ownerName: string;
    legalBasis: string;
    restoreAt: string;
    responseUrl: null;
    responseUntil: string;
  };
  /** restoration_pending -> litigation_hold, to both parties. */
  'litigation-hold': PartyMail;
  /** The complainant's proof was refused by staff (no state change): restoration stays on its date. */
  'litigation-proof-refused': {
    reference: string;
    complainantName: string;
    legalBasis: string;
    reason: string;
    restoreAt: string;
    trackingUrl: null;
  };
  /** litigation_hold -> restored | closed (an admin), to both parties, with reasons. */
  'litigation-ended': PartyMail & { outcome: 'restored' | 'closed'; reason: string };
  /** restoration_pending -> restored by the timer, to both parties. */
  'case-restored': PartyMail & { items: string[] };
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
  'complaint-renotice-barred',
  'appeal-received',
  'appeal-decided',
  'complaint-withdrawn',
  'owner-withdrawn',
  'staff-invitation',
  'complaint-not-processed',
  'complaint-reopened',
  'complainant-warning',
  'deadline-breached',
  'audit-seal-digest',
  'owner-response-received',
  'counter-notice-incomplete',
  'counter-notice-invalid',
  'counter-notice-accepted',
  'restoration-scheduled',
  'litigation-hold',
  'litigation-proof-refused',
  'litigation-ended',
  'case-restored',
  'inbox-ack',
];
