/**
 * The complaint lifecycle as data (DESIGN.md "States of a complaint").
 *
 * received               filed, nobody has looked yet
 * in_review              a moderator has claimed it
 * needs_info             waiting for the complainant to supply what is missing
 * escalated              a moderator proposes a decision only an admin may take (whole-article removal)
 * actioned               upheld: remedies applied per item
 * rejected               not upheld, with reasons
 * duplicate              same complainant and article while an earlier case is open
 * not_processed          complainant suspended for misuse, after a warning
 * counter_notice_review  the content owner contests an actioned case
 * restoration_pending    counter-notice valid; restoration scheduled
 * litigation_hold        complainant proved a court or authority filing
 * restored               remedies reversed
 * appeal_review          a party appealed a decision (within 6 months)
 * withdrawn              the complainant withdrew
 * closed                 nothing more can happen
 */
export const COMPLAINT_STATES = [
  'received',
  'in_review',
  'needs_info',
  'escalated',
  'actioned',
  'rejected',
  'duplicate',
  'not_processed',
  'counter_notice_review',
  'restoration_pending',
  'litigation_hold',
  'restored',
  'appeal_review',
  'withdrawn',
  'closed',
] as const;
export type ComplaintState = (typeof COMPLAINT_STATES)[number];

export const ACTOR_ROLES = ['complainant', 'content_owner', 'moderator', 'admin', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

export interface Edge {
  to: ComplaintState;
  roles: readonly ActorRole[];
}

const STAFF = ['moderator', 'admin'] as const;
const OPEN_WITHDRAW: Edge = { to: 'withdrawn', roles: ['complainant'] };

/** Every allowed move and who may make it. Terminal states have no exits. */
export const COMPLAINT_TRANSITIONS: Record<ComplaintState, readonly Edge[]> = {
  received: [
    { to: 'in_review', roles: STAFF },
    { to: 'duplicate', roles: ['system', ...STAFF] },
    { to: 'not_processed', roles: ['admin'] },
    OPEN_WITHDRAW,
  ],
  in_review: [
    { to: 'received', roles: STAFF }, // release
    { to: 'needs_info', roles: STAFF },
    // Whoever escalates, an admin other than them decides (a whole-article removal needs two people).
    { to: 'escalated', roles: STAFF },
    { to: 'actioned', roles: STAFF },
    { to: 'rejected', roles: STAFF },
    OPEN_WITHDRAW,
  ],
  needs_info: [{ to: 'in_review', roles: ['complainant'] }, { to: 'closed', roles: ['system'] }, OPEN_WITHDRAW],
  escalated: [
    { to: 'actioned', roles: ['admin'] },
    { to: 'rejected', roles: ['admin'] },
    { to: 'in_review', roles: ['admin'] },
    OPEN_WITHDRAW,
  ],
  actioned: [
    { to: 'counter_notice_review', roles: ['content_owner'] },
    { to: 'appeal_review', roles: ['complainant', 'content_owner'] },
    OPEN_WITHDRAW,
    { to: 'closed', roles: ['system'] },
  ],
  rejected: [
    { to: 'appeal_review', roles: ['complainant'] },
    { to: 'closed', roles: ['system'] },
  ],
  duplicate: [],
  not_processed: [],
  counter_notice_review: [
    { to: 'restoration_pending', roles: STAFF },
    { to: 'actioned', roles: STAFF }, // counter-notice found invalid
  ],
  restoration_pending: [
    { to: 'litigation_hold', roles: STAFF },
    { to: 'restored', roles: ['system', ...STAFF] },
  ],
  litigation_hold: [
    { to: 'restored', roles: STAFF },
    { to: 'closed', roles: STAFF },
  ],
  restored: [
    { to: 'appeal_review', roles: ['complainant'] },
    { to: 'closed', roles: ['system'] },
  ],
  appeal_review: [
    { to: 'actioned', roles: STAFF },
    { to: 'rejected', roles: STAFF },
    { to: 'restored', roles: STAFF },
  ],
  withdrawn: [{ to: 'closed', roles: ['system'] }],
  closed: [],
};

/** States in which a case still counts as open (for duplicate detection and the queue). */
export const OPEN_STATES: readonly ComplaintState[] = COMPLAINT_STATES.filter(
  (s) => !['duplicate', 'not_processed', 'withdrawn', 'closed'].includes(s),
);
