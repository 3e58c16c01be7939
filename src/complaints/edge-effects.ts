import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RemediesService } from '../articles/remedies.service';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MailOutbox } from '../mail/mail-outbox';
import { CaseTimerRepository } from './case-timer.repository';
import type { CaseRow, EdgeContext } from './complaint-guards';
import type { CaseTimerKind, Edge, EdgeEffect, EdgeMailTemplate, MailRecipient } from './complaint-state';
import { AppealEffects } from './appeal-effects';
import { appealWindowEnd } from './appeal-window';

type Item = CaseRow['items'][number];

/**
 * Performs an edge's declared effects (COMPLAINT_TRANSITIONS `effects`) in the transition's
 * transaction, in the order declared; it does nothing an edge does not declare. Mail goes
 * through MailOutbox.send (typed payloads; private links `null`, minted at send time).
 */
@Injectable()
export class EdgeEffects {
  constructor(
    private readonly mail: MailOutbox,
    private readonly remedies: RemediesService,
    private readonly timers: CaseTimerRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Appeals and withdrawal (appeal-effects.ts). */
  private get appealEffects(): AppealEffects {
    return new AppealEffects(this.mail, this.audit, this.config);
  }

  async run(edge: Edge, ctx: EdgeContext): Promise<void> {
    for (const effect of edge.effects ?? []) await this.perform(effect, ctx);
  }

  private async perform(effect: EdgeEffect, ctx: EdgeContext): Promise<void> {
    switch (effect.kind) {
      case 'mail':
        return this.sendMail(effect.template, effect.to, ctx);
      case 'remedies':
        return effect.op === 'reverse' ? this.reverseRemedies(ctx) : this.applyRemedies(ctx);
      case 'timer':
        if (effect.op === 'schedule')
          return this.timers.schedule(ctx.tx, ctx.c.id, effect.timer, this.timerDue(effect.timer, ctx));
        await this.timers.cancel(ctx.tx, ctx.c.id, effect.timer, ctx.now);
        return;
      case 'record':
        if (effect.what === 'appeal') return this.appealEffects.record(ctx);
        if (effect.what === 'appeal_decision') return this.appealEffects.decide(ctx);
        return this.recordAnswer(ctx);
    }
  }

  /** The end of the appeal window of a decision taken now (APPEAL_MONTHS calendar months). */
  private appealUntil(ctx: EdgeContext): Date {
    return appealWindowEnd(ctx.now, this.config.appeals.months);
  }

  /** When a timer an edge schedules falls due. */
  private timerDue(kind: CaseTimerKind, ctx: EdgeContext): Date {
    switch (kind) {
      case 'needs_info_expiry':
        // The answer-by date the complainant is told: the edge's due time (NEEDS_INFO_WORKING_DAYS
        // of the case's calendar, or NEEDS_INFO_DAYS), set by ComplaintsService before effects run.
        if (!ctx.dueAt) throw new Error('needs_info_expiry is scheduled only by an edge that sets its due time');
        return ctx.dueAt;
      case 'appeal_window_end':
        // A withdrawal cannot be appealed: the case only stays on record WITHDRAWN_CLOSE_DAYS.
        if (ctx.input.to === 'withdrawn')
          return new Date(ctx.now.getTime() + this.config.appeals.withdrawnCloseDays * 86_400_000);
        return this.appealUntil(ctx);
    }
  }

  /**
   * Brings the case's remedies to the decided ones, touching only what changes: a remedy that
   * already stands on an item stays as it is (no second correction note, no webhook again), one
   * that stands but was not decided now is reversed first (an appeal narrowing a decision).
   */
  private async applyRemedies(ctx: EdgeContext): Promise<void> {
    const { tx, c, input } = ctx;
    const standing = await tx.query<Array<{ position: number; remedy: string }>>(
      `SELECT position, remedy FROM complaint_item
        WHERE complaint_id = $1 AND remedy_applied_at IS NOT NULL AND remedy_reversed_at IS NULL`,
      [c.id],
    );
    const stands = (r: { item: number; remedy: string }) =>
      standing.some((s) => s.position === r.item && s.remedy === r.remedy);
    const decided = input.remedies ?? [];
    const changed = standing
      .filter((s) => !decided.some((r) => r.item === s.position && r.remedy === s.remedy))
      .map((s) => s.position);
    if (changed.length) await this.reverseRemedies(ctx, changed);
    const remedies = decided.filter((r) => !stands(r));
    if (!remedies.length) return;
    await this.remedies.apply(
      tx,
      c.id,
      c.reference,
      remedies.map((r) => {
        const item = itemAt(c, r.item);
        return {
          remedy: r.remedy,
          articleId: item.article_id,
          imageId: item.image_id,
          detail: item.detail,
          text: r.text ?? input.reason?.trim() ?? '',
        };
      }),
    );
    await tx.query(
      `UPDATE complaint_item SET remedy = x.remedy, remedy_applied_at = now(), remedy_reversed_at = NULL
         FROM jsonb_to_recordset($2::jsonb) AS x(item int, remedy text)
        WHERE complaint_item.complaint_id = $1 AND complaint_item.position = x.item`,
      [c.id, JSON.stringify(remedies)],
    );
  }

  /** Undoes what the case applied (RemediesService.reverse) and records per item what happened. */
  private async reverseRemedies(ctx: EdgeContext, positions?: number[]): Promise<void> {
    const { tx, c, actor } = ctx;
    const items = await this.remedies.reverse(tx, c.id, c.reference, positions);
    // Nothing stood (a withdrawal before any decision): nothing to record.
    if (!items.length) return;
    await this.audit.append(tx, {
      actorType: actor.role,
      actorId: actor.id,
      action: 'complaint.remedies_reversed',
      subjectType: 'complaint',
      subjectId: c.id,
      payload: { reference: c.reference, items },
    });
  }

  private async sendMail(template: EdgeMailTemplate, to: MailRecipient, ctx: EdgeContext): Promise<void> {
    const { tx, c, input } = ctx;
    const base = { reference: c.reference, complainantName: c.complainant.name, legalBasis: c.legal_basis };
    const appealUntil = this.appealUntil(ctx).toISOString();
    const reason = input.reason?.trim() ?? '';
    const send = this.mail.send.bind(this.mail);
    const complainant = (): [string, 'zh-CN' | 'en'] => [c.complainant.email, c.locale];
    switch (`${template}>${to}`) {
      case 'complaint-needs-info>complainant':
        await send(
          tx,
          'complaint-needs-info',
          ...complainant(),
          {
            ...base,
            missing: ctx.missing ?? [],
            message: input.message?.trim() || null,
            answerUrl: null,
            answerByDate: (ctx.dueAt ?? ctx.now).toISOString(),
          },
          c.id,
        );
        return;
      case 'complaint-duplicate>complainant':
        await send(
          tx,
          'complaint-duplicate',
          ...complainant(),
          { ...base, earlierReference: input.duplicateOf ?? '', trackingUrl: null },
          c.id,
        );
        return;
      case 'complaint-rejected>complainant':
        await send(
          tx,
          'complaint-rejected',
          ...complainant(),
          { ...base, reason, trackingUrl: null, appealUntil },
          c.id,
        );
        return;
      case 'complaint-actioned>complainant':
        await send(
          tx,
          'complaint-actioned',
          ...complainant(),
          {
            ...base,
            reason,
            remedies: labelled(c, ctx).map(({ itemLabel, remedy }) => ({ itemLabel, remedy })),
            trackingUrl: null,
            appealUntil,
          },
          c.id,
        );
        return;
      case 'owner-notice>content_owners': {
        // Each content owner gets the notice and a private response link of their own (minted
        // at send time, showing only their items), in their language (article.owner_locale; an
        // owner of several articles gets the first item's).
        const owners = new Map<string, Item[]>();
        for (const i of c.items) owners.set(i.owner_email, [...(owners.get(i.owner_email) ?? []), i]);
        // Personal data of the complainant only where the legal basis needs it (DMCA 512(g) notices name them).
        const disclose = c.legal_basis === 'us-dmca';
        for (const [email, items] of owners) {
          await send(
            tx,
            'owner-notice',
            email,
            items[0].owner_locale ?? 'zh-CN',
            {
              reference: c.reference,
              ownerName: items[0].owner_name,
              articleTitle: items[0].title,
              articleUrl: items[0].url,
              legalBasis: c.legal_basis,
              reason,
              remedies: labelled(c, ctx)
                .filter((l) => items.some((i) => i.article_id === l.articleId))
                .map(({ itemLabel, remedy }) => ({ itemLabel, remedy })),
              complainantName: disclose ? c.complainant.name : null,
              responseUrl: null,
              responseUntil: appealUntil,
            },
            c.id,
          );
        }
        return;
      }
      case 'complaint-info-answered>assignee': {
        if (!c.assignee_id) return;
        const [staff] = await tx.query<Array<{ email: string; display_name: string }>>(
          `SELECT email, display_name FROM staff_user WHERE id = $1`,
          [c.assignee_id],
        );
        if (!staff) return;
        const text = input.answer?.text.trim() ?? '';
        await send(
          tx,
          'complaint-info-answered',
          staff.email,
          'zh-CN',
          {
            reference: c.reference,
            moderatorName: staff.display_name,
            caseUrl: `${this.config.publicBaseUrl}/staff/complaints/${c.reference}`,
            answerExcerpt: text.slice(0, 500),
            fileCount: input.answer?.files.length ?? 0,
          },
          c.id,
        );
        return;
      }
      case 'complaint-closed-no-answer>complainant':
        await send(
          tx,
          'complaint-closed-no-answer',
          ...complainant(),
          {
            ...base,
            requestedAt: c.info_request?.requestedAt ?? null,
            days: this.config.sla.needsInfo.amount,
            workingDays: this.config.sla.needsInfo.unit === 'working_days',
            trackingUrl: null,
          },
          c.id,
        );
        return;
      case 'complaint-not-processed>complainant':
        await send(
          tx,
          'complaint-not-processed',
          ...complainant(),
          {
            ...base,
            reason,
            warnedAt: String((ctx.audit.warning as { at?: string } | undefined)?.at ?? ''),
            trackingUrl: null,
            appealUntil,
          },
          c.id,
        );
        return;
      case 'appeal-received>complainant':
      case 'appeal-received>content_owners':
      case 'appeal-decided>complainant':
      case 'appeal-decided>content_owners':
      case 'complaint-withdrawn>complainant':
      case 'owner-withdrawn>content_owners':
        return this.appealEffects.send(template, to, ctx);
      default:
        throw new Error(`no payload is defined for mail ${template} to ${to}`);
    }
  }

  /** The complainant's answer: files, text and its audit event (needs_info -> in_review). */
  private async recordAnswer(ctx: EdgeContext): Promise<void> {
    const { tx, c, input } = ctx;
    const answer = input.answer ?? { text: '', files: [] };
    const fileIds: string[] = [];
    for (const f of answer.files) {
      const [row] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO evidence_file (complaint_id, purpose, original_name, content_type, size_bytes, sha256, storage_key)
         VALUES ($1, 'response', $2, $3, $4, $5, $6) RETURNING id`,
        [c.id, f.originalName, f.contentType, f.sizeBytes, f.sha256, f.storageKey],
      );
      fileIds.push(row.id);
    }
    await tx.query(
      `INSERT INTO complaint_response (complaint_id, author, body, file_ids) VALUES ($1, 'complainant', $2, $3)`,
      [c.id, answer.text.trim(), fileIds],
    );
    await this.audit.append(tx, {
      actorType: 'complainant',
      action: 'complaint.answered',
      subjectType: 'complaint',
      subjectId: c.id,
      payload: {
        reference: c.reference,
        files: answer.files.map((f) => ({ sha256: f.sha256, sizeBytes: f.sizeBytes, contentType: f.contentType })),
      },
    });
  }
}

function itemAt(c: CaseRow, position: number): Item {
  return c.items.find((i) => i.position === position) as Item;
}

/** Each decided item as a party reads it: the article title, and which image or passage. */
function labelled(c: CaseRow, ctx: EdgeContext) {
  return (ctx.input.remedies ?? []).map((r) => {
    const item = itemAt(c, r.item);
    return {
      itemLabel: `${item.title}${item.kind === 'image' ? ' (image)' : item.kind === 'passage' ? ` “${(item.detail ?? '').slice(0, 60)}”` : ''}`,
      remedy: r.remedy,
      articleId: item.article_id,
    };
  });
}
