import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { WorkingDays } from '../calendar/working-days.service';
import { Clock } from '../common/clock';
import { ConflictError, DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { OutboxSignal } from '../mail/outbox-signal';
import { fieldError } from './complaint-validation';
import { checkTransition } from './complaint-state-machine';
import { milestoneAssignments } from './complaint-milestones';
import type { ComplaintState, Edge, EdgeDue } from './complaint-state';
import { GUARDS, RECORDS } from './complaint-guards';
import type { Actor, CaseRow, EdgeContext, TransitionInput } from './complaint-guards';
import { EdgeEffects } from './edge-effects';
import { returnedRows } from '../database/returned-rows';
import { periodEnd, slaRegion } from './sla';

export type { Actor, TransitionInput } from './complaint-guards';

export interface TransitionResult {
  reference: string;
  state: ComplaintState;
  version: number;
}

/**
 * The one place that changes a complaint's state. Every transition is a guarded UPDATE
 * (WHERE state = from AND version = v), its audit event and its declared effects, in one
 * transaction; a stale version or a lost race answers 409 and leaves nothing behind. What an
 * edge checks, writes and causes is its declaration in COMPLAINT_TRANSITIONS: this class only
 * runs it (guards and records in complaint-guards.ts, effects in edge-effects.ts).
 */
@Injectable()
export class ComplaintsService {
  private readonly logger = new Logger('Transitions');

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly signal: OutboxSignal,
    private readonly effects: EdgeEffects,
    private readonly clock: Clock,
    private readonly workingDays: WorkingDays,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async transition(input: TransitionInput, actor: Actor): Promise<TransitionResult> {
    const result = await this.db.transaction('READ COMMITTED', (tx) => this.transitionIn(tx, input, actor));
    this.signal.kick();
    this.logger.log(`${result.reference} -> ${result.state} by ${actor.role}${actor.id ? ' ' + actor.id : ''}`);
    return result;
  }

  /**
   * The transition inside the caller's transaction (TimerWorker fires a timer and marks it done
   * in one). The caller commits, then kicks the outbox.
   */
  async transitionIn(tx: EntityManager, input: TransitionInput, actor: Actor): Promise<TransitionResult> {
    const c = await this.load(tx, input.reference);
    if (c.version !== input.version) {
      throw new ConflictError('The case changed since you loaded it; reload and try again', {
        state: c.state,
        version: c.version,
      });
    }
    const check = checkTransition(c.state, input.to, actor.role, undefined, input.action);
    if (!check.ok) {
      if (check.reason === 'FORBIDDEN')
        throw new DomainError(
          ErrorCode.FORBIDDEN,
          `A ${actor.role} may not move a case from ${c.state} to ${input.to}`,
        );
      if (check.reason === 'PROCEDURE_NOT_AVAILABLE')
        throw new DomainError(ErrorCode.PROCEDURE_NOT_AVAILABLE, check.edge.unavailable?.message ?? '', {
          from: c.state,
          to: input.to,
        });
      throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, `No transition from ${c.state} to ${input.to}`, {
        from: c.state,
        to: input.to,
      });
    }
    const edge = check.edge;
    const ctx: EdgeContext = { tx, c, input, actor, now: this.clock.now(), audit: {} };
    for (const guard of edge.guards ?? []) await GUARDS[guard](ctx);
    this.requireNeeds(edge, input);
    const set: Record<string, unknown> = {};
    for (const record of edge.records ?? []) Object.assign(set, RECORDS[record](ctx));
    if (edge.due) set.due_at = ctx.dueAt = await this.due(c, edge.due, ctx.now);
    const values = Object.values(set);
    const milestones = milestoneAssignments(c.state, input.to, actor.role, `$${values.length + 5}`);
    const sets = [...Object.keys(set).map((col, i) => `${col} = $${i + 5}`), ...milestones.sql];
    const rows = await tx.query<Array<{ version: number }>>(
      `UPDATE complaint SET state = $1, version = version + 1, updated_at = now()${sets.length ? ', ' + sets.join(', ') : ''}
        WHERE id = $2 AND state = $3 AND version = $4 RETURNING version`,
      [input.to, c.id, c.state, c.version, ...values, ...(milestones.usesActor ? [actor.id] : [])],
    );
    const updated = returnedRows<{ version: number }>(rows);
    if (updated.length === 0) throw new ConflictError('Another action on this case won; reload and try again');
    await this.audit.append(tx, {
      actorType: actor.role,
      actorId: actor.id,
      action: 'complaint.transition',
      subjectType: 'complaint',
      subjectId: c.id,
      payload: {
        reference: c.reference,
        from: c.state,
        to: input.to,
        ...(input.reason ? { reason: input.reason } : {}),
        ...(input.missing?.length ? { missing: input.missing } : {}),
        ...(set.proposed_remedies ? { proposedRemedies: JSON.parse(set.proposed_remedies as string) as unknown } : {}),
        ...(input.to === 'actioned'
          ? { remedies: (input.remedies ?? []).map((r) => ({ item: r.item, remedy: r.remedy })) }
          : {}),
        ...ctx.audit,
      },
    });
    if (input.note?.trim()) {
      if (!actor.id) throw new DomainError(ErrorCode.FORBIDDEN, 'Only staff write internal notes');
      const [note] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO complaint_note (complaint_id, author_id, body) VALUES ($1, $2, $3) RETURNING id`,
        [c.id, actor.id, input.note.trim()],
      );
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'complaint.note',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: { reference: c.reference, noteId: note.id },
      });
    }
    await this.effects.run(edge, ctx);
    return { reference: c.reference, state: input.to, version: updated[0].version };
  }

  private async load(tx: EntityManager, reference: string): Promise<CaseRow> {
    const rows = await tx.query<CaseRow[]>(
      `SELECT c.id, c.reference, c.state, c.version, c.legal_basis, c.locale, c.complainant, c.assignee_id,
              c.escalated_by, c.decided_by, c.decision_reason, c.proposed_remedies, c.info_request,
              c.decision_ground, c.decision_category, c.decision_legal_ground, c.decision_ground_explanation,
              (SELECT json_agg(json_build_object('id', i.id, 'position', i.position, 'kind', i.kind, 'article_id', i.article_id,
                        'image_id', i.image_id, 'detail', i.detail, 'title', a.title, 'url', a.url,
                        'owner_name', a.owner_name, 'owner_email', a.owner_email,
                        'owner_locale', a.owner_locale) ORDER BY i.position)
                 FROM complaint_item i JOIN article a ON a.id = i.article_id WHERE i.complaint_id = c.id) AS items
         FROM complaint c WHERE c.reference = $1`,
      [reference],
    );
    if (!rows[0]) throw new NotFoundError(`No case ${reference}`);
    return rows[0];
  }

  /** The edge's `needs` (the table the case page's forms read), checked on what the caller sent. */
  private requireNeeds(edge: Edge, input: TransitionInput): void {
    const errors = [];
    for (const need of edge.needs ?? []) {
      const given =
        need === 'reason'
          ? !!input.reason?.trim()
          : need === 'missing'
            ? (input.missing ?? []).some((m) => m.trim())
            : need === 'remedies'
              ? !!input.remedies?.length
              : need === 'ground'
                ? !!input.decisionGround?.trim() && !!input.category?.trim()
                : need === 'date'
                  ? !!input.date
                  : !!input.duplicateOf?.trim();
      if (!given) errors.push(fieldError(need, 'required', `${need} is required for this step`));
    }
    if (errors.length) throw new ValidationError(errors);
  }

  /**
   * The queue's due time an edge sets (EdgeDue), from the SLA settings: by default working days
   * of the case's calendar (sla.ts: China with 调休, US federal business days for us-dmca), counted
   * from the transition's time.
   */
  private async due(c: CaseRow, due: EdgeDue, now: Date): Promise<Date | null> {
    if (due === 'clear') return null;
    const sla = this.config.sla;
    const period = { decision: sla.decision, needs_info: sla.needsInfo, info_answer: sla.infoAnswer }[due];
    return periodEnd(period, now, await this.workingDays.calendar(slaRegion(c.legal_basis)));
  }
}
