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

/** What a staff action must carry; the service refuses it without, the case page's form asks for it. */
export type EdgeNeed = 'reason' | 'missing' | 'remedies' | 'duplicateOf';

/** The staff actions the case page offers (claim and send back both lead to in_review). */
export const STAFF_ACTIONS = [
  'claim',
  'release',
  'request_info',
  'reject',
  'uphold',
  'escalate',
  'approve',
  'send_back',
  'mark_duplicate',
] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

export interface Edge {
  to: ComplaintState;
  roles: readonly ActorRole[];
  /** The staff action this edge is on the case page; edges without one have no form. */
  action?: StaffAction;
  /** Fields the transition must carry (checked by ComplaintsService, asked for by the page). */
  needs?: readonly EdgeNeed[];
  /**
   * An edge DESIGN.md draws but whose procedure does not exist yet: nobody may take it, and the
   * service answers 403 with this code and message.
   */
  unavailable?: { code: 'PROCEDURE_NOT_AVAILABLE'; message: string };
}

const STAFF = ['moderator', 'admin'] as const;
const OPEN_WITHDRAW: Edge = { to: 'withdrawn', roles: ['complainant'] };

/**
 * Every allowed move, who may make it, and (for staff) the page action and what it must carry.
 * Terminal states have no exits. Person rules on top of roles (claim first; the proposer never
 * decides their own escalation) live in ComplaintsService.rules and CaseService.actionsFor.
 */
export const COMPLAINT_TRANSITIONS: Record<ComplaintState, readonly Edge[]> = {
  received: [
    { to: 'in_review', roles: STAFF, action: 'claim' },
    // Intake files a repeat straight into `duplicate`; staff mark one naming the earlier, undecided case.
    { to: 'duplicate', roles: ['system', ...STAFF], action: 'mark_duplicate', needs: ['duplicateOf'] },
    {
      to: 'not_processed',
      roles: [],
      unavailable: {
        code: 'PROCEDURE_NOT_AVAILABLE',
        message:
          'Not processing a complaint needs the misuse procedure (a prior warning, reasons, a mail and an appeal route), which does not exist yet; no one may take this step',
      },
    },
    OPEN_WITHDRAW,
  ],
  in_review: [
    { to: 'received', roles: STAFF, action: 'release' },
    { to: 'needs_info', roles: STAFF, action: 'request_info', needs: ['missing'] },
    // Whoever escalates, an admin other than them decides (a whole-article removal needs two people).
    { to: 'escalated', roles: STAFF, action: 'escalate', needs: ['reason', 'remedies'] },
    { to: 'actioned', roles: STAFF, action: 'uphold', needs: ['reason', 'remedies'] },
    { to: 'rejected', roles: STAFF, action: 'reject', needs: ['reason'] },
    OPEN_WITHDRAW,
  ],
  needs_info: [{ to: 'in_review', roles: ['complainant'] }, { to: 'closed', roles: ['system'] }, OPEN_WITHDRAW],
  escalated: [
    // As proposed or narrower (remedy-reach.ts); the proposer's reasons unless the approver writes new ones.
    { to: 'actioned', roles: ['admin'], action: 'approve' },
    { to: 'rejected', roles: ['admin'], action: 'reject', needs: ['reason'] },
    { to: 'in_review', roles: ['admin'], action: 'send_back', needs: ['reason'] },
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

/** Open and not yet decided: the only cases a later filing may be a duplicate of (DESIGN.md). */
export const UNDECIDED_STATES: readonly ComplaintState[] = ['received', 'in_review', 'needs_info', 'escalated'];

/** States in which a case still counts as open (for duplicate detection and the queue). */
export const OPEN_STATES: readonly ComplaintState[] = COMPLAINT_STATES.filter(
  (s) => !['duplicate', 'not_processed', 'withdrawn', 'closed'].includes(s),
);
