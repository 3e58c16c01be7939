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

/**
 * What a staff action must carry; the service refuses it without, the case page's form asks for it
 * (one partial per need, templates/partials/need-<need>.hbs; its transition fields and form
 * mapping in src/moderation/edge-needs.ts).
 *   reason       reasons (TransitionInput.reason)
 *   missing      what the complainant must supply, one per line, and an optional message
 *   remedies     a remedy per item
 *   duplicateOf  the reference of the earlier case
 *   date         a calendar date, YYYY-MM-DD (TransitionInput.date)
 *   ground       the decision's ground and category for its statement of reasons, in the EU DSA
 *                Transparency Database's vocabulary (decision-ground.ts), prefilled from the basis
 */
export type EdgeNeed = 'reason' | 'missing' | 'remedies' | 'duplicateOf' | 'date' | 'ground';

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
  'not_process',
  // The complainant contested not processing (a reply, threaded to the case): another admin reopens it.
  'reopen',
  // Deciding an appeal (appeal_review -> actioned | rejected | restored), never by the appealed decision's deciders.
  'appeal_action',
  'appeal_reject',
  'appeal_restore',
  // Counter-notices and restoration (issue 7 §1).
  'counter_notice_incomplete',
  'counter_notice_invalid',
  'counter_notice_valid',
  'accept_litigation_proof',
  'end_hold_restore',
  'end_hold_close',
] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

/**
 * Checks an edge makes on top of roles, run by ComplaintsService in the order declared (so the
 * first failing one answers): each names one rule in `complaint-guards.ts`.
 *   assignee          the case's assignee, or an admin ("claim it first")
 *   second_person     an admin other than the staff member who escalated (by staff id)
 *   reason            non-blank reasons
 *   missing           at least one thing the complainant must supply
 *   remedy_per_item   a valid remedy for every item of the case
 *   no_whole_article  a whole-article removal only through escalation (two people)
 *   within_proposal   an approval as proposed or narrower, with the proposer's reasons unless new
 *   earlier_case      duplicateOf: the same complainant's earlier, still undecided case
 *   answer            the complainant's answer carries text or files
 *   timer_due         a system edge taken by its case timer, never before the timer is due
 *   prior_warning     a misuse warning to the complainant's address, recorded before this notice
 *                     was filed and at most WARNING_VALID_DAYS old (DSA Art. 23)
 *   appeal_standing   the appellant has something to appeal (complainant: rejected, restored or partly
 *                     granted; owner: a remedy stands on their article), within APPEAL_MONTHS of the
 *                     decision, once per party and case, with text or files
 *   other_decider     staff other than those who took the appealed decision (its decider and proposer)
 *   appeal_whole_article  on appeal, a whole-article removal not already standing is chosen by an admin
 *   restorable        restoring is an outcome only where the decision appealed had acted (actioned, restored)
 *   counter_notice_filed     the owner's counter-notice, its fields checked for the basis (counter-notice.ts)
 *   pending_counter_notice   the case's counter-notice awaiting review (loaded for records and mails)
 *   pending_litigation_proof the complainant's proof of a suit or complaint awaiting review
 *   statement_ground  the decision's ground and category from the vocabulary (the basis's when not
 *                     given), its texts free of the parties' names and contact details
 */
export type EdgeGuard =
  | 'assignee'
  | 'second_person'
  | 'reason'
  | 'missing'
  | 'remedy_per_item'
  | 'no_whole_article'
  | 'within_proposal'
  | 'earlier_case'
  | 'answer'
  | 'timer_due'
  | 'prior_warning'
  | 'appeal_standing'
  | 'other_decider'
  | 'appeal_whole_article'
  | 'restorable'
  | 'counter_notice_filed'
  | 'pending_counter_notice'
  | 'pending_litigation_proof'
  | 'statement_ground';

/**
 * What an edge writes on the case row besides state and version (columns in `complaint-guards.ts`).
 *   assign_actor / unassign    assignee_id
 *   info_request / clear_info_request   what the complainant was asked for
 *   proposal                   escalated_by, proposed remedies and the proposer's reasons
 *   decision                   decided_by and the decision's reasons
 *   clear_proposal             a direct decision drops an earlier proposal
 *   duplicate_of               the earlier case this one joins
 *   clear_decision             a reopened notice has no decision yet (decided_by, reasons, ground)
 *   statement_ground           the decision's ground, category and their texts (decision_ground, ...)
 */
export type EdgeRecord =
  | 'assign_actor'
  | 'unassign'
  | 'info_request'
  | 'clear_info_request'
  | 'proposal'
  | 'decision'
  | 'clear_proposal'
  | 'duplicate_of'
  | 'clear_decision'
  | 'statement_ground';

/**
 * The queue's due time after the edge, counted in working days of the case's calendar
 * (src/complaints/sla.ts): SLA_DECISION_WORKING_DAYS, NEEDS_INFO_WORKING_DAYS,
 * SLA_INFO_ANSWER_WORKING_DAYS, or none.
 */
export type EdgeDue = 'decision' | 'needs_info' | 'info_answer' | 'clear';

/**
 * Durable timers (rows in case_timer, fired by TimerWorker): while a case is in one of `while`,
 * the timer moves it to `fires` as the system once due. `after` names the configuration that
 * sets the delay. An edge schedules or cancels a timer by declaring it in its effects: every edge
 * INTO a `while` state schedules it (moving between two `while` states restarts it: a new
 * decision opens a new window), every edge out of a `while` state to a state outside the list
 * (other than `fires`) cancels it (edge-effects.spec.ts checks both).
 */
export const CASE_TIMERS = {
  needs_info_expiry: { while: ['needs_info'], fires: 'closed', after: 'NEEDS_INFO_WORKING_DAYS' },
  // Decided cases close when nobody appealed within APPEAL_MONTHS; withdrawn ones after WITHDRAWN_CLOSE_DAYS.
  appeal_window_end: {
    while: ['actioned', 'rejected', 'restored', 'withdrawn'],
    fires: 'closed',
    after: 'APPEAL_MONTHS / WITHDRAWN_CLOSE_DAYS',
  },
  // After a valid counter-notice: restore on the date computed per basis (restoration-date.ts).
  restoration_due: {
    while: ['restoration_pending'],
    fires: 'restored',
    after: 'RESTORE_CN_COPYRIGHT_WORKING_DAYS / RESTORE_PERSONAL_RIGHTS_DAYS / RESTORE_DMCA_BUSINESS_DAYS',
  },
} as const satisfies Record<string, { while: readonly ComplaintState[]; fires: ComplaintState; after: string }>;
export type CaseTimerKind = keyof typeof CASE_TIMERS;
export const CASE_TIMER_KINDS = Object.keys(CASE_TIMERS) as CaseTimerKind[];

/** Who a declared mail goes to: the complainant, each content owner (own link, own items), the assignee. */
export type MailRecipient = 'complainant' | 'content_owners' | 'assignee' | 'counter_notifier';

/**
 * The side effects of an edge, performed by `EdgeEffects` in the transition's transaction in
 * the order declared. Mail templates are the typed names of `src/mail/mail-templates.ts`.
 *   mail       one message per recipient (queued; sent by MailWorker after commit)
 *   remedies   apply: the decided remedy per item; reverse: undo exactly what this case applied
 *              and still stands (RemediesService.reverse; kept where another standing case holds
 *              the same remedy). Each public change also queues its signed CMS webhook
 *              (article.hidden, image.hidden, article.corrected; article.restored, image.restored,
 *              article.correction_withdrawn). `only: 'counter_notice_items'`: reverse only the items
 *              the case's valid counter-notice names (another owner's items stay as decided)
 *   timer      schedule or cancel the case's timer of that kind
 *   record     answer: store the complainant's answer (text, files) with its audit event;
 *              appeal: store the appeal (party, text, files, the appealed decision and its deciders);
 *              appeal_decision: record who decided the open appeal, when, the outcome and reasons;
 *              counter_notice: the owner's counter-notice (fields, files); counter_notice_decision:
 *              its outcome (incomplete, invalid, valid) from the edge; restoration_date: the date
 *              per basis on the case (restoration-date.ts); litigation_decision: the proof accepted
 * `counter_notifier` is the owner whose counter-notice the case is about (their own link).
 */
export type EdgeEffect =
  | { kind: 'mail'; template: EdgeMailTemplate; to: MailRecipient }
  | { kind: 'remedies'; op: 'apply' | 'reverse'; webhooks: true; only?: 'counter_notice_items' }
  | { kind: 'timer'; op: 'schedule' | 'cancel'; timer: CaseTimerKind }
  | { kind: 'record'; what: 'answer' | 'appeal' | 'appeal_decision' | CounterNoticeRecord };

export type CounterNoticeRecord =
  'counter_notice' | 'counter_notice_decision' | 'restoration_date' | 'litigation_decision';

/** Kept as a literal list here (the state table imports nothing); the mail module's map must hold each. */
export type EdgeMailTemplate =
  | 'complaint-needs-info'
  | 'complaint-duplicate'
  | 'complaint-rejected'
  | 'complaint-actioned'
  | 'owner-notice'
  | 'complaint-info-answered'
  | 'complaint-closed-no-answer'
  | 'complaint-not-processed'
  | 'complaint-reopened'
  | 'appeal-received'
  | 'appeal-decided'
  | 'complaint-withdrawn'
  | 'owner-withdrawn'
  | 'owner-response-received'
  | 'counter-notice-incomplete'
  | 'counter-notice-invalid'
  | 'counter-notice-accepted'
  | 'restoration-scheduled'
  | 'litigation-hold'
  | 'litigation-ended'
  | 'case-restored';

export interface Edge {
  to: ComplaintState;
  roles: readonly ActorRole[];
  /** The staff action this edge is on the case page; edges without one have no form. */
  action?: StaffAction;
  /**
   * Fields the transition must carry (checked by its guards, asked for by the page in this order;
   * the API's `actions` lists them).
   */
  needs?: readonly EdgeNeed[];
  /** Fields the page and the API offer but the edge does not require (approve: remedies, reasons). */
  optional?: readonly EdgeNeed[];
  /** Rules beyond roles, in the order they are checked. */
  guards?: readonly EdgeGuard[];
  /** Columns the edge writes on the case. */
  records?: readonly EdgeRecord[];
  /** The due time after the edge; absent: unchanged. */
  due?: EdgeDue;
  /** Everything the edge causes besides the state change and its audit event. */
  effects?: readonly EdgeEffect[];
  /**
   * An edge DESIGN.md draws but whose procedure does not exist yet: nobody may take it, and the
   * service answers 403 with this code and message.
   */
  unavailable?: { code: 'PROCEDURE_NOT_AVAILABLE'; message: string };
}

const STAFF = ['moderator', 'admin'] as const;
const mail = (template: EdgeMailTemplate, to: MailRecipient = 'complainant'): EdgeEffect => ({
  kind: 'mail',
  template,
  to,
});
/** Entering a decided (or withdrawn) state opens its window; a case nobody appeals closes at its end. */
const WINDOW_OPENS: EdgeEffect = { kind: 'timer', op: 'schedule', timer: 'appeal_window_end' };
const WINDOW_STOPS: EdgeEffect = { kind: 'timer', op: 'cancel', timer: 'appeal_window_end' };
const DECISION_MAILS: readonly EdgeEffect[] = [
  { kind: 'remedies', op: 'apply', webhooks: true },
  mail('complaint-actioned'),
  mail('owner-notice', 'content_owners'),
  WINDOW_OPENS,
];
/**
 * The complainant withdraws before a final outcome: what rested only on this case is reversed
 * (remedies another standing case holds stay), the owners whose articles had been touched are
 * told, the complainant gets a confirmation, and the case closes after WITHDRAWN_CLOSE_DAYS.
 */
const OPEN_WITHDRAW: Edge = {
  to: 'withdrawn',
  roles: ['complainant'],
  due: 'clear',
  effects: [
    { kind: 'remedies', op: 'reverse', webhooks: true },
    mail('complaint-withdrawn'),
    mail('owner-withdrawn', 'content_owners'),
    WINDOW_OPENS,
  ],
};
/**
 * A party appeals a decision (DSA Art. 20): free, in plain words with optional files, within
 * APPEAL_MONTHS; the appeal is stored with the decision appealed and its deciders, the window
 * stops, the queue shows it unassigned, and both parties get a receipt.
 */
const appeal = (roles: readonly ActorRole[]): Edge => ({
  to: 'appeal_review',
  roles,
  guards: ['appeal_standing'],
  records: ['unassign'],
  due: 'decision',
  effects: [
    { kind: 'record', what: 'appeal' },
    WINDOW_STOPS,
    mail('appeal-received'),
    mail('appeal-received', 'content_owners'),
  ],
});
/** What every appeal decision does after its remedies: record it, tell both parties, open a new window. */
const APPEAL_DECIDED: readonly EdgeEffect[] = [
  { kind: 'record', what: 'appeal_decision' },
  mail('appeal-decided'),
  mail('appeal-decided', 'content_owners'),
  WINDOW_OPENS,
];

/**
 * Every allowed move: who may make it, its page action and what it must carry, its guards, what
 * it writes and what it causes. Terminal states have no exits. ComplaintsService.transition()
 * runs these declarations and CaseService.actionsFor() offers them; nothing else decides.
 *
 * To add an edge: declare it here. A new kind of guard, record or effect gets its one
 * implementation in GUARDS / RECORDS (complaint-guards.ts) or EdgeEffects (edge-effects.ts), a
 * new mail its payload type in src/mail/mail-templates.ts and its templates. edge-effects.spec.ts
 * then checks the declaration against what is performed. To add a timer: a CASE_TIMERS entry,
 * its kind in case_timer's CHECK (a migration), its due time in EdgeEffects.timerDue, a
 * `schedule` effect on the edge entering its state, `cancel` on every other way out, and a
 * system edge guarded by `timer_due` (the spec enforces all three).
 */
export const COMPLAINT_TRANSITIONS: Record<ComplaintState, readonly Edge[]> = {
  received: [
    { to: 'in_review', roles: STAFF, action: 'claim', records: ['assign_actor'], due: 'decision' },
    // Intake files a repeat straight into `duplicate`; staff mark one naming the earlier, undecided case.
    {
      to: 'duplicate',
      roles: ['system', ...STAFF],
      action: 'mark_duplicate',
      needs: ['duplicateOf'],
      guards: ['earlier_case'],
      records: ['duplicate_of'],
      due: 'clear',
      effects: [mail('complaint-duplicate')],
    },
    // The misuse procedure (DSA Art. 23): an admin, with reasons, only after a recorded warning
    // to the same address; the complainant is told why and how to appeal.
    {
      to: 'not_processed',
      roles: ['admin'],
      action: 'not_process',
      needs: ['reason'],
      guards: ['reason', 'prior_warning'],
      records: ['decision'],
      due: 'clear',
      effects: [mail('complaint-not-processed')],
    },
    OPEN_WITHDRAW,
  ],
  in_review: [
    { to: 'received', roles: STAFF, action: 'release', guards: ['assignee'], records: ['unassign'] },
    {
      to: 'needs_info',
      roles: STAFF,
      action: 'request_info',
      needs: ['missing'],
      guards: ['assignee', 'missing'],
      records: ['info_request'],
      due: 'needs_info',
      effects: [mail('complaint-needs-info'), { kind: 'timer', op: 'schedule', timer: 'needs_info_expiry' }],
    },
    // Whoever escalates, an admin other than them decides (a whole-article removal needs two people).
    {
      to: 'escalated',
      roles: STAFF,
      action: 'escalate',
      needs: ['remedies', 'reason'],
      guards: ['assignee', 'reason', 'remedy_per_item'],
      records: ['proposal'],
      due: 'decision',
    },
    {
      to: 'actioned',
      roles: STAFF,
      action: 'uphold',
      needs: ['remedies', 'reason'],
      optional: ['ground'],
      guards: ['assignee', 'remedy_per_item', 'reason', 'no_whole_article', 'statement_ground'],
      records: ['decision', 'clear_proposal', 'statement_ground'],
      due: 'clear',
      effects: DECISION_MAILS,
    },
    {
      to: 'rejected',
      roles: STAFF,
      action: 'reject',
      needs: ['reason'],
      optional: ['ground'],
      guards: ['assignee', 'reason', 'statement_ground'],
      records: ['decision', 'statement_ground'],
      due: 'clear',
      effects: [mail('complaint-rejected'), WINDOW_OPENS],
    },
    OPEN_WITHDRAW,
  ],
  needs_info: [
    {
      to: 'in_review',
      roles: ['complainant'],
      guards: ['answer'],
      records: ['clear_info_request'],
      due: 'info_answer',
      effects: [
        { kind: 'timer', op: 'cancel', timer: 'needs_info_expiry' },
        { kind: 'record', what: 'answer' },
        mail('complaint-info-answered', 'assignee'),
      ],
    },
    // Taken only by the needs_info_expiry timer, once due (DESIGN.md: no answer in N days).
    {
      to: 'closed',
      roles: ['system'],
      guards: ['timer_due'],
      due: 'clear',
      effects: [mail('complaint-closed-no-answer')],
    },
    {
      ...OPEN_WITHDRAW,
      effects: [{ kind: 'timer', op: 'cancel', timer: 'needs_info_expiry' }, ...(OPEN_WITHDRAW.effects ?? [])],
    },
  ],
  escalated: [
    // As proposed or narrower (remedy-reach.ts); the proposer's reasons unless the approver writes new ones.
    {
      to: 'actioned',
      roles: ['admin'],
      action: 'approve',
      optional: ['remedies', 'reason', 'ground'],
      guards: ['second_person', 'within_proposal', 'statement_ground'],
      records: ['decision', 'statement_ground'],
      due: 'clear',
      effects: DECISION_MAILS,
    },
    {
      to: 'rejected',
      roles: ['admin'],
      action: 'reject',
      needs: ['reason'],
      optional: ['ground'],
      guards: ['second_person', 'reason', 'statement_ground'],
      records: ['decision', 'statement_ground'],
      due: 'clear',
      effects: [mail('complaint-rejected'), WINDOW_OPENS],
    },
    {
      to: 'in_review',
      roles: ['admin'],
      action: 'send_back',
      needs: ['reason'],
      guards: ['second_person', 'reason'],
      due: 'decision',
    },
    OPEN_WITHDRAW,
  ],
  actioned: [
    // The owner files a counter-notice from their private link (条例 Art. 16, 民法典 Art. 1196, 512(g)(3)).
    {
      to: 'counter_notice_review',
      roles: ['content_owner'],
      guards: ['counter_notice_filed'],
      due: 'decision',
      effects: [{ kind: 'record', what: 'counter_notice' }, WINDOW_STOPS, mail('owner-response-received', 'assignee')],
    },
    appeal(['complainant', 'content_owner']),
    OPEN_WITHDRAW,
    // Taken only by the appeal_window_end timer (nobody appealed within APPEAL_MONTHS).
    { to: 'closed', roles: ['system'], guards: ['timer_due'], due: 'clear' },
  ],
  rejected: [appeal(['complainant']), { to: 'closed', roles: ['system'], guards: ['timer_due'], due: 'clear' }],
  duplicate: [],
  // The appeal route of the misuse procedure: the complainant contests by replying to the mail
  // (the reply lands on the case's timeline); an admin who did not take the decision may reopen
  // the notice, which is then handled as any other.
  not_processed: [
    {
      to: 'received',
      roles: ['admin'],
      action: 'reopen',
      needs: ['reason'],
      guards: ['other_decider', 'reason'],
      records: ['clear_decision'],
      due: 'decision',
      effects: [mail('complaint-reopened')],
    },
  ],
  // Two edges lead back to actioned: the transition names its `action` to choose one.
  counter_notice_review: [
    {
      to: 'actioned',
      roles: STAFF,
      action: 'counter_notice_incomplete',
      needs: ['missing'],
      guards: ['assignee', 'pending_counter_notice', 'missing'],
      due: 'clear',
      effects: [
        { kind: 'record', what: 'counter_notice_decision' },
        mail('counter-notice-incomplete', 'counter_notifier'),
        WINDOW_OPENS,
      ],
    },
    {
      to: 'actioned',
      roles: STAFF,
      action: 'counter_notice_invalid',
      needs: ['reason'],
      guards: ['assignee', 'pending_counter_notice', 'reason'],
      due: 'clear',
      effects: [
        { kind: 'record', what: 'counter_notice_decision' },
        mail('counter-notice-invalid', 'counter_notifier'),
        WINDOW_OPENS,
      ],
    },
    {
      to: 'restoration_pending',
      roles: STAFF,
      action: 'counter_notice_valid',
      guards: ['assignee', 'pending_counter_notice'],
      due: 'clear',
      effects: [
        { kind: 'record', what: 'counter_notice_decision' },
        { kind: 'record', what: 'restoration_date' },
        { kind: 'timer', op: 'schedule', timer: 'restoration_due' },
        mail('counter-notice-accepted'),
        mail('restoration-scheduled', 'counter_notifier'),
      ],
    },
    // The complainant may withdraw at any point before a final outcome (DESIGN.md): what stood is reversed.
    OPEN_WITHDRAW,
  ],
  restoration_pending: [
    // The complainant's proof of a suit or a complaint to an authority, accepted by staff.
    {
      to: 'litigation_hold',
      roles: STAFF,
      action: 'accept_litigation_proof',
      guards: ['assignee', 'pending_litigation_proof'],
      effects: [
        { kind: 'timer', op: 'cancel', timer: 'restoration_due' },
        { kind: 'record', what: 'litigation_decision' },
        mail('litigation-hold'),
        mail('litigation-hold', 'counter_notifier'),
      ],
    },
    // Only the timer restores, on the date the law sets: staff cannot restore early (条例 Art. 17 and
    // 民法典 Art. 1196 give the complainant the period; 512(g)(2)(C) forbids less than 10 business days).
    {
      to: 'restored',
      roles: ['system'],
      guards: ['timer_due'],
      effects: [
        { kind: 'remedies', op: 'reverse', webhooks: true, only: 'counter_notice_items' },
        mail('case-restored'),
        mail('case-restored', 'counter_notifier'),
        WINDOW_OPENS,
      ],
    },
    {
      ...OPEN_WITHDRAW,
      effects: [{ kind: 'timer', op: 'cancel', timer: 'restoration_due' }, ...(OPEN_WITHDRAW.effects ?? [])],
    },
  ],
  // Only an admin ends a hold, once the suit or complaint has an outcome, with reasons.
  litigation_hold: [
    {
      to: 'restored',
      roles: ['admin'],
      action: 'end_hold_restore',
      needs: ['reason'],
      guards: ['assignee', 'reason'],
      records: ['decision'],
      effects: [
        { kind: 'remedies', op: 'reverse', webhooks: true, only: 'counter_notice_items' },
        mail('litigation-ended'),
        mail('litigation-ended', 'counter_notifier'),
        WINDOW_OPENS,
      ],
    },
    {
      to: 'closed',
      roles: ['admin'],
      action: 'end_hold_close',
      needs: ['reason'],
      guards: ['assignee', 'reason'],
      records: ['decision'],
      effects: [mail('litigation-ended'), mail('litigation-ended', 'counter_notifier')],
    },
    OPEN_WITHDRAW,
  ],
  restored: [appeal(['complainant']), { to: 'closed', roles: ['system'], guards: ['timer_due'], due: 'clear' }],
  // Decided by staff other than the appealed decision's decider and proposer (other_decider first:
  // 403 APPEAL_DECIDER_CONFLICT), with reasons to both parties and the compensating public effect.
  appeal_review: [
    // Upheld on appeal: the decided remedies, touching only what changes (what stands stays, once).
    {
      to: 'actioned',
      roles: STAFF,
      action: 'appeal_action',
      needs: ['reason', 'remedies'],
      optional: ['ground'],
      guards: ['other_decider', 'reason', 'remedy_per_item', 'appeal_whole_article', 'statement_ground'],
      records: ['decision', 'clear_proposal', 'statement_ground'],
      due: 'clear',
      effects: [{ kind: 'remedies', op: 'apply', webhooks: true }, ...APPEAL_DECIDED],
    },
    // Not upheld, or restored: whatever this case still holds on the site is reversed.
    {
      to: 'rejected',
      roles: STAFF,
      action: 'appeal_reject',
      needs: ['reason'],
      guards: ['other_decider', 'reason'],
      records: ['decision'],
      due: 'clear',
      effects: [{ kind: 'remedies', op: 'reverse', webhooks: true }, ...APPEAL_DECIDED],
    },
    {
      to: 'restored',
      roles: STAFF,
      action: 'appeal_restore',
      needs: ['reason'],
      guards: ['other_decider', 'restorable', 'reason'],
      records: ['decision'],
      due: 'clear',
      effects: [{ kind: 'remedies', op: 'reverse', webhooks: true }, ...APPEAL_DECIDED],
    },
  ],
  withdrawn: [{ to: 'closed', roles: ['system'], guards: ['timer_due'], due: 'clear' }],
  closed: [],
};

/** Open and not yet decided: the only cases a later filing may be a duplicate of (DESIGN.md). */
export const UNDECIDED_STATES: readonly ComplaintState[] = ['received', 'in_review', 'needs_info', 'escalated'];

/** States in which a case still counts as open (for duplicate detection and the queue). */
export const OPEN_STATES: readonly ComplaintState[] = COMPLAINT_STATES.filter(
  (s) => !['duplicate', 'not_processed', 'withdrawn', 'closed'].includes(s),
);
