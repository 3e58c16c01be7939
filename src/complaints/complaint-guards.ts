import type { EntityManager } from 'typeorm';
import { ConflictError, DomainError, ErrorCode, ValidationError } from '../common/domain-error';
import { fieldError } from './complaint-validation';
import { CASE_TIMERS, UNDECIDED_STATES } from './complaint-state';
import type { ActorRole, CaseTimerKind, ComplaintState, EdgeGuard, EdgeRecord, StaffAction } from './complaint-state';
import type { CounterNoticeFiling } from './counter-notice';
import { REMEDIES } from './complaint-item.entity';
import type { Remedy } from './complaint-item.entity';
import type { LegalBasis, Locale } from './legal-basis';
import {
  BASIS_STATEMENT,
  DECISION_GROUNDS,
  GROUND_TEXT_MAX,
  isDecisionGround,
  isStatementCategory,
  personalDataIn,
  storedGroundText,
} from './decision-ground';
import type { DecisionGroundRecord } from './decision-ground';
import type { StoredFile } from './evidence-storage';
import { widerThanProposed } from './remedy-reach';
import { mayAppeal } from './appeal-window';
import type { AppealItem } from './appeal-window';

export interface Actor {
  role: ActorRole;
  /** Staff user id for moderator/admin; null for parties and the system. */
  id: string | null;
  name?: string;
}

export type RemedyChoice = { item: number; remedy: Remedy; text?: string };

export interface TransitionInput {
  reference: string;
  to: ComplaintState;
  version: number;
  reason?: string;
  missing?: string[];
  message?: string;
  remedies?: RemedyChoice[];
  note?: string;
  /** duplicate: the reference of the complainant's earlier, still undecided case. */
  duplicateOf?: string;
  /** An edge's `date` need: a calendar date, YYYY-MM-DD (validated by TransitionDto). */
  date?: string;
  /** The `ground` need (decision-ground.ts): omitted parts are the legal basis's defaults. */
  decisionGround?: string;
  category?: string;
  legalGround?: string;
  groundExplanation?: string;
  /** The complainant's answer to a request for information (needs_info -> in_review). */
  answer?: { text: string; files: StoredFile[] };
  /** A party's appeal (decided state -> appeal_review): who, their words and their files. */
  appeal?: { party: 'complainant' | 'content_owner'; ownerEmail: string | null; text: string; files: StoredFile[] };
  /** Which staff action, where two edges lead to the same state (counter_notice_incomplete / _invalid). */
  action?: StaffAction;
  /** The owner's counter-notice, its fields checked for the basis (actioned -> counter_notice_review). */
  counterNotice?: CounterNoticeFiling;
  /** Set by TimerWorker only: the timer taking a system edge (checked by the timer_due guard). */
  timer?: { id: string; kind: CaseTimerKind; dueAt: Date };
}

/** The case as a transition sees it (read in the transition's transaction). */
export interface CaseRow {
  id: string;
  reference: string;
  state: ComplaintState;
  version: number;
  legal_basis: string;
  locale: Locale;
  complainant: { name: string; email: string; phone?: string; address?: string; actingFor?: string };
  assignee_id: string | null;
  escalated_by: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  proposed_remedies: RemedyChoice[] | null;
  /** The ground an earlier decision of the case recorded (an appeal decision starts from it). */
  decision_ground: string | null;
  decision_category: string | null;
  decision_legal_ground: string | null;
  decision_ground_explanation: string | null;
  info_request: { missing: string[]; message?: string; requestedBy?: string; requestedAt?: string } | null;
  items: Array<{
    id: string;
    position: number;
    kind: string;
    article_id: string;
    image_id: string | null;
    detail: string | null;
    title: string;
    url: string;
    owner_name: string;
    owner_email: string;
    /** The content owner's language (article.owner_locale). */
    owner_locale: Locale;
  }>;
}

/** What guards learn and normalise on the way; records and effects read it. */
export interface EdgeContext {
  tx: EntityManager;
  c: CaseRow;
  input: TransitionInput;
  actor: Actor;
  now: Date;
  /** Extra fields of the transition's audit event. */
  audit: Record<string, unknown>;
  /** The remedies per item once validated (remedy_per_item, within_proposal). */
  remedies?: RemedyChoice[];
  /** The trimmed list of what is missing (missing). */
  missing?: string[];
  /** The earlier case a duplicate joins (earlier_case). */
  earlier?: { id: string; reference: string };
  /** The due time the edge set (after records). */
  dueAt?: Date | null;
  /** The case's counter-notice under review (pending_counter_notice). */
  counterNoticeRow?: CounterNoticeRow;
  /** The complainant's proof awaiting review (pending_litigation_proof). */
  litigationProof?: { id: string; body: string; file_ids: string[] };
  /** When the remedies are reversed (record restoration_date). */
  restoreAt?: Date;
  /** The decision's ground for its statement of reasons (statement_ground). */
  ground?: DecisionGroundRecord;
}

/** A counter_notice row as effects read it. */
export interface CounterNoticeRow {
  id: string;
  owner_email: string;
  legal_basis: string;
  fields: Record<string, unknown>;
  file_ids: string[];
  created_at: Date;
}

/** How long a misuse warning counts as the prior warning for `not_processed` (DSA Art. 23: a reasonable period). */
export const WARNING_VALID_DAYS = 365;

const reasonOf = (ctx: EdgeContext) => ctx.input.reason?.trim() ?? '';

/** Each guard of the table, by name. They throw the error the caller sees; order is the edge's. */
export const GUARDS: Record<EdgeGuard, (ctx: EdgeContext) => void | Promise<void>> = {
  assignee: ({ c, actor }) => {
    const staff = actor.role === 'moderator' || actor.role === 'admin';
    if (staff && actor.role !== 'admin' && c.assignee_id !== actor.id) {
      throw new DomainError(ErrorCode.FORBIDDEN, 'This case is assigned to someone else; claim it first');
    }
  },
  second_person: ({ c, actor }) => {
    // Compared by staff id: the same person signed in or with their API token is the same id.
    if (actor.role !== 'admin') throw new DomainError(ErrorCode.FORBIDDEN, 'An escalated case is decided by an admin');
    if (!actor.id || !c.escalated_by || c.escalated_by === actor.id) {
      throw new DomainError(
        ErrorCode.SECOND_PERSON_REQUIRED,
        'An escalated case is decided by an admin other than the person who escalated it',
      );
    }
  },
  reason: (ctx) => {
    if (!reasonOf(ctx))
      throw new ValidationError([fieldError('reason', 'required', 'give the reasons for this decision')]);
  },
  missing: (ctx) => {
    const missing = (ctx.input.missing ?? []).map((m) => m.trim()).filter(Boolean);
    if (!missing.length) throw new ValidationError([fieldError('missing', 'required', 'say what is missing')]);
    ctx.missing = missing;
  },
  remedy_per_item: (ctx) => {
    ctx.remedies = validRemedies(ctx.c, ctx.input.remedies);
    ctx.input.remedies = ctx.remedies;
  },
  no_whole_article: (ctx) => {
    // A whole-article removal needs a second person: a moderator escalates, an admin approves.
    if ((ctx.remedies ?? []).some((r) => r.remedy === 'remove_article')) {
      throw new DomainError(
        ErrorCode.FORBIDDEN,
        'Removing a whole article needs a second person: escalate the case with the proposed remedies for another admin to approve',
      );
    }
  },
  within_proposal: (ctx) => {
    const { c, input } = ctx;
    // The approver decides on what was proposed: as proposed (no remedies sent) or narrower.
    const proposed = c.proposed_remedies ?? [];
    // Kept as proposed, an item keeps the proposer's text (a correction's wording) unless a new one is given.
    const remedies = validRemedies(
      c,
      input.remedies?.length
        ? input.remedies.map((r) => {
            const p = proposed.find((x) => x.item === r.item);
            return r.text?.trim() || p?.remedy !== r.remedy ? r : { ...r, text: p.text };
          })
        : proposed,
    );
    const wider = widerThanProposed(proposed, remedies);
    if (wider.length) {
      throw new DomainError(
        ErrorCode.WIDER_THAN_PROPOSED,
        'An approver decides on what was proposed: approve it, choose less reaching remedies, or send the case back; ' +
          wider
            .map((w) => `item ${w.item}: ${w.chosen} reaches further than the proposed ${w.proposed ?? 'nothing'}`)
            .join('; '),
        wider.map((w) => ({
          field: `remedies.${w.item}`,
          rule: 'widerThanProposed',
          message: `${w.chosen} reaches further than the proposed ${w.proposed ?? 'nothing'}`,
        })),
      );
    }
    // The decision's reasons are the proposer's unless the approver writes new ones.
    const reason = reasonOf(ctx);
    const decided = reason || c.decision_reason?.trim();
    if (!decided) throw new ValidationError([fieldError('reason', 'required', 'give the reasons for this decision')]);
    ctx.audit.reasonsFrom = reason ? 'approver' : 'proposer';
    input.reason = decided;
    input.remedies = remedies;
    ctx.remedies = remedies;
  },
  earlier_case: async (ctx) => {
    ctx.earlier = await earlierCase(ctx.tx, ctx.c, ctx.input.duplicateOf);
    ctx.input.duplicateOf = ctx.earlier.reference;
    ctx.audit.duplicateOf = ctx.earlier.reference;
  },
  answer: ({ input }) => {
    if (!input.answer?.text.trim() && !input.answer?.files.length) {
      throw new ValidationError([fieldError('answer', 'required', 'write your answer or attach a file')]);
    }
  },
  prior_warning: async ({ tx, c, audit }) => {
    const [w] = await tx.query<Array<{ id: string; created_at: Date }>>(
      `SELECT w.id, w.created_at FROM complainant_warning w JOIN complaint c ON c.complainant_email = w.email
        WHERE c.id = $1 AND w.created_at < c.received_at
          AND w.created_at > c.received_at - make_interval(days => $2)
        ORDER BY w.created_at DESC LIMIT 1`,
      [c.id, WARNING_VALID_DAYS],
    );
    if (!w) {
      throw new DomainError(
        ErrorCode.NO_PRIOR_WARNING,
        `A notice is not processed only after the complainant was warned about misuse before filing it (within ${WARNING_VALID_DAYS} days); warn them first, and decide this notice on its merits`,
      );
    }
    audit.warning = { id: w.id, at: new Date(w.created_at).toISOString() };
  },
  appeal_standing: async (ctx) => {
    const { tx, c, input, actor, now } = ctx;
    const a = input.appeal;
    if (!a || a.party !== actor.role)
      throw new DomainError(ErrorCode.FORBIDDEN, 'A party appeals through their own private link');
    // The window is the pending appeal_window_end timer: the one date the decision mail promised.
    const [window] = await tx.query<Array<{ due_at: Date }>>(
      `SELECT due_at FROM case_timer WHERE complaint_id = $1 AND kind = 'appeal_window_end' AND done_at IS NULL`,
      [c.id],
    );
    if (!window || new Date(window.due_at).getTime() <= now.getTime())
      throw new DomainError(
        ErrorCode.APPEAL_WINDOW_CLOSED,
        'The time to appeal this decision has ended; you may still take the matter to a court or a competent authority',
      );
    if (!mayAppeal(a.party, c.state, c.legal_basis, await appealItems(tx, c.id), a.ownerEmail))
      throw new DomainError(ErrorCode.APPEAL_NOT_OPEN, 'There is no decision against you in this case to appeal');
    const [earlier] = await tx.query<Array<{ id: string }>>(
      `SELECT id FROM appeal WHERE complaint_id = $1 AND party = $2 AND coalesce(owner_email, '') = coalesce($3, '')`,
      [c.id, a.party, a.ownerEmail],
    );
    if (earlier)
      throw new DomainError(
        ErrorCode.APPEAL_NOT_OPEN,
        'You have appealed in this case already; its outcome ended our internal review. Courts and competent authorities remain open to you',
      );
    if (!a.text.trim() && !a.files.length)
      throw new ValidationError([
        fieldError('appeal', 'required', 'say in your own words why the decision is wrong, or attach a file'),
      ]);
    ctx.audit.appeal = { party: a.party };
  },
  other_decider: async ({ tx, c, actor, audit }) => {
    if (actor.role !== 'moderator' && actor.role !== 'admin')
      throw new DomainError(ErrorCode.FORBIDDEN, 'Appeals are decided by staff');
    // The appealed decision's decider and the person who proposed it, as the appeal recorded them.
    const [a] = await tx.query<Array<{ decided_by: string | null; escalated_by: string | null }>>(
      `SELECT appealed_decided_by AS decided_by, appealed_escalated_by AS escalated_by FROM appeal
        WHERE complaint_id = $1 AND decided_at IS NULL`,
      [c.id],
    );
    const deciders = a ? [a.decided_by, a.escalated_by] : [c.decided_by, c.escalated_by];
    if (!actor.id || deciders.includes(actor.id))
      throw new DomainError(
        ErrorCode.APPEAL_DECIDER_CONFLICT,
        'An appeal is decided by someone who took no part in the decision appealed (neither its decider nor the person who proposed it)',
      );
    audit.appealedDeciders = deciders.filter(Boolean);
  },
  appeal_whole_article: async ({ tx, c, actor, remedies }) => {
    // Two people removed a whole article the first time (escalation and approval); on appeal an
    // admin who took no part decides a removal not already standing, never a moderator alone.
    const chosen = (remedies ?? []).filter((r) => r.remedy === 'remove_article');
    if (!chosen.length || actor.role === 'admin') return;
    const standing = await tx.query<Array<{ position: number }>>(
      `SELECT position FROM complaint_item WHERE complaint_id = $1 AND remedy = 'remove_article'
          AND remedy_applied_at IS NOT NULL AND remedy_reversed_at IS NULL`,
      [c.id],
    );
    if (chosen.some((r) => !standing.some((s) => s.position === r.item)))
      throw new DomainError(
        ErrorCode.SECOND_PERSON_REQUIRED,
        'On appeal, removing a whole article is decided by an admin who took no part in the decision appealed',
      );
  },
  restorable: async ({ tx, c }) => {
    const [a] = await tx.query<Array<{ appealed_state: string }>>(
      `SELECT appealed_state FROM appeal WHERE complaint_id = $1 AND decided_at IS NULL`,
      [c.id],
    );
    if (a && a.appealed_state === 'rejected')
      throw new DomainError(
        ErrorCode.ILLEGAL_TRANSITION,
        'The decision appealed was a rejection: nothing was removed or changed, so there is nothing to restore; uphold the appeal (actioned) or dismiss it (rejected)',
      );
  },
  counter_notice_filed: ({ c, input, audit }) => {
    const cn = input.counterNotice;
    if (!cn) throw new ValidationError([fieldError('counterNotice', 'required', 'file the counter-notice')]);
    const own = c.items.filter((i) => i.owner_email.toLowerCase() === cn.ownerEmail.toLowerCase());
    if (!own.length)
      throw new DomainError(ErrorCode.FORBIDDEN, 'Only the owner of an item of this case may contest it');
    audit.counterNotice = { owner: cn.ownerEmail, items: cn.items, files: cn.files.length };
  },
  pending_counter_notice: async (ctx) => {
    const [row] = await ctx.tx.query<CounterNoticeRow[]>(
      `SELECT id, owner_email, legal_basis, fields, file_ids, created_at FROM counter_notice
        WHERE complaint_id = $1 AND status = 'pending' FOR UPDATE`,
      [ctx.c.id],
    );
    if (!row) throw new ConflictError('There is no counter-notice awaiting review on this case');
    ctx.counterNoticeRow = row;
    ctx.audit.counterNotice = row.id;
  },
  pending_litigation_proof: async (ctx) => {
    const [row] = await ctx.tx.query<Array<{ id: string; body: string; file_ids: string[] }>>(
      `SELECT id, body, file_ids FROM litigation_proof WHERE complaint_id = $1 AND status = 'pending' FOR UPDATE`,
      [ctx.c.id],
    );
    if (!row)
      throw new ConflictError(
        'The complainant has not sent proof of a suit or a complaint to an authority to decide on',
      );
    ctx.litigationProof = row;
    ctx.audit.litigationProof = row.id;
  },
  statement_ground: (ctx) => {
    ctx.ground = statementGround(ctx);
    ctx.audit.statement = ctx.ground;
  },
  timer_due: ({ input, now, audit }) => {
    const t = input.timer;
    if (!t || CASE_TIMERS[t.kind]?.fires !== input.to || t.dueAt.getTime() > now.getTime()) {
      throw new DomainError(ErrorCode.FORBIDDEN, `Only the case's timer takes this step, once it is due`);
    }
    audit.timer = { kind: t.kind, dueAt: t.dueAt.toISOString() };
  },
};

/** The columns each record writes, read from the context the guards filled. */
export const RECORDS: Record<EdgeRecord, (ctx: EdgeContext) => Record<string, unknown>> = {
  assign_actor: ({ actor }) => ({ assignee_id: actor.id }),
  unassign: () => ({ assignee_id: null }),
  info_request: (ctx) => ({
    info_request: JSON.stringify({
      missing: ctx.missing ?? [],
      message: ctx.input.message?.trim() || undefined,
      requestedBy: ctx.actor.id,
      requestedAt: ctx.now.toISOString(),
    }),
  }),
  clear_info_request: () => ({ info_request: null }),
  proposal: (ctx) => ({
    escalated_by: ctx.actor.id,
    proposed_remedies: JSON.stringify(ctx.remedies ?? []),
    decision_reason: reasonOf(ctx),
  }),
  decision: (ctx) => ({ decided_by: ctx.actor.id, decision_reason: reasonOf(ctx) }),
  clear_proposal: () => ({ proposed_remedies: null }),
  duplicate_of: (ctx) => ({ duplicate_of: ctx.earlier?.id ?? null }),
  clear_decision: () => ({
    decided_by: null,
    decision_reason: null,
    decision_ground: null,
    decision_category: null,
    decision_legal_ground: null,
    decision_ground_explanation: null,
  }),
  statement_ground: ({ ground }) => ({
    decision_ground: ground?.ground ?? null,
    decision_category: ground?.category ?? null,
    decision_legal_ground: ground?.legalGround ?? null,
    decision_ground_explanation: ground?.explanation ?? null,
  }),
};

/** What a decision of this case starts from: the ground its earlier decision recorded, else its basis's. */
export function defaultGround(c: {
  legal_basis: string;
  decision_ground: string | null;
  decision_category: string | null;
  decision_legal_ground: string | null;
  decision_ground_explanation: string | null;
}): DecisionGroundRecord {
  const basis = BASIS_STATEMENT[c.legal_basis as LegalBasis];
  if (!isDecisionGround(c.decision_ground) || !isStatementCategory(c.decision_category)) return basis;
  return {
    ground: c.decision_ground,
    category: c.decision_category,
    legalGround: c.decision_legal_ground ?? basis.legalGround,
    explanation: c.decision_ground_explanation ?? basis.explanation,
  };
}

/**
 * The decision's ground: what was given, the rest from the legal basis's default; refused (422)
 * outside the vocabulary, too long, or naming a party (statements are published without personal data).
 */
function statementGround({ c, input }: EdgeContext): DecisionGroundRecord {
  const basis = defaultGround(c);
  const text = (v: string | undefined, fallback: string) => (v?.trim() ? v.trim() : fallback);
  const record = {
    ground: input.decisionGround?.trim() || basis.ground,
    category: input.category?.trim() || basis.category,
    // The page prefills the defaults in its language; unchanged, they are stored in English as ever.
    legalGround: storedGroundText('legalGround', text(input.legalGround, basis.legalGround)),
    explanation: storedGroundText('explanation', text(input.groundExplanation, basis.explanation)),
  };
  const errors = [];
  if (!isDecisionGround(record.ground))
    errors.push(fieldError('decisionGround', 'invalid', `one of ${DECISION_GROUNDS.join(', ')}`));
  if (!isStatementCategory(record.category))
    errors.push(fieldError('category', 'invalid', 'a STATEMENT_CATEGORY_* value of the DSA Transparency Database'));
  const parties = [
    c.complainant?.name,
    c.complainant?.email,
    c.complainant?.phone,
    c.complainant?.address,
    c.complainant?.actingFor,
    ...c.items.flatMap((i) => [i.owner_name, i.owner_email]),
  ];
  for (const [field, value] of [
    ['legalGround', record.legalGround],
    ['groundExplanation', record.explanation],
  ] as const) {
    if (value.length > GROUND_TEXT_MAX)
      errors.push(fieldError(field, 'tooLong', `at most ${GROUND_TEXT_MAX} characters`));
    else if (personalDataIn(value, parties).length)
      errors.push(
        fieldError(field, 'personalData', 'published in the statement of reasons: no name or contact detail'),
      );
  }
  if (errors.length) throw new ValidationError(errors);
  return record as DecisionGroundRecord;
}

function validRemedies(c: CaseRow, remedies: TransitionInput['remedies']): RemedyChoice[] {
  const list = remedies ?? [];
  const errors = [];
  for (const item of c.items) {
    const r = list.find((x) => x.item === item.position);
    if (!r)
      errors.push(fieldError(`remedies.${item.position}`, 'required', `choose a remedy for item ${item.position + 1}`));
    else if (!REMEDIES.includes(r.remedy))
      errors.push(fieldError(`remedies.${item.position}`, 'invalid', `unknown remedy ${String(r.remedy)}`));
    else if (r.remedy === 'remove_image' && item.kind !== 'image')
      errors.push(fieldError(`remedies.${item.position}`, 'invalid', 'remove_image applies to image items'));
  }
  for (const r of list)
    if (!c.items.some((i) => i.position === r.item))
      errors.push(fieldError('remedies', 'invalid', `no item ${r.item}`));
  if (errors.length) throw new ValidationError(errors);
  return c.items.map((i) => {
    const r = list.find((x) => x.item === i.position) as RemedyChoice;
    return { item: i.position, remedy: r.remedy, ...(r.text?.trim() ? { text: r.text.trim() } : {}) };
  });
}

/**
 * The case a new filing repeats: it exists, is not the case itself, was filed from the same
 * address and is still undecided (DESIGN.md: after a decision a new filing is a new case).
 * Locked FOR UPDATE so it cannot be decided while this one is being joined to it.
 */
async function earlierCase(
  tx: EntityManager,
  c: CaseRow,
  reference: string | undefined,
): Promise<{ id: string; reference: string }> {
  const ref = reference?.trim().toUpperCase();
  const bad = (rule: string, message: string) => new ValidationError([fieldError('duplicateOf', rule, message)]);
  if (!ref) throw bad('required', 'give the reference of the earlier, still undecided case it repeats');
  const [found] = await tx.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [ref]);
  if (!found) throw bad('unknownCase', `there is no case ${ref}`);
  // Both rows locked in id order: the earlier case cannot be decided meanwhile, and two people
  // marking two cases as each other's duplicate queue up instead of deadlocking (the second
  // then finds its target no longer undecided). complainant_email is intake's normalised address.
  const rows = await tx.query<Array<{ id: string; reference: string; state: ComplaintState; email: string }>>(
    `SELECT id, reference, state, complainant_email AS email FROM complaint WHERE id = ANY($1::uuid[])
      ORDER BY id FOR UPDATE`,
    [[found.id, c.id]],
  );
  const earlier = rows.find((r) => r.id === found.id);
  const self = rows.find((r) => r.id === c.id);
  if (!earlier) throw bad('unknownCase', `there is no case ${ref}`);
  if (earlier.id === c.id) throw bad('self', 'a case cannot be a duplicate of itself');
  if (!self || self.state !== c.state) throw new ConflictError('Another action on this case won; reload and try again');
  if (earlier.email !== self.email)
    throw bad('otherComplainant', `${ref} was filed by someone else; only the same complainant's cases are joined`);
  if (!UNDECIDED_STATES.includes(earlier.state))
    throw bad('decided', `${ref} is ${earlier.state}; a filing after a decision is a new case, not a duplicate`);
  return { id: earlier.id, reference: earlier.reference };
}

/** The case's items as the appeal rules read them (appeal-window.ts). */
export async function appealItems(tx: Pick<EntityManager, 'query'>, complaintId: string): Promise<AppealItem[]> {
  return tx.query<AppealItem[]>(
    `SELECT i.kind, i.remedy, (i.remedy_applied_at IS NOT NULL AND i.remedy_reversed_at IS NULL) AS standing,
            lower(a.owner_email) AS owner_email
       FROM complaint_item i JOIN article a ON a.id = i.article_id WHERE i.complaint_id = $1 ORDER BY i.position`,
    [complaintId],
  );
}
