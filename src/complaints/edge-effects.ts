import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RemediesService } from '../articles/remedies.service';
import { DESK_LOCALE, staffRecipient } from '../auth/staff-recipients.repository';
import type { MailAddress } from '../auth/staff-recipients.repository';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { WorkingDays } from '../calendar/working-days.service';
import { translate } from '../common/i18n';
import { MailOutbox } from '../mail/mail-outbox';
import type { PartyMail } from '../mail/mail-templates';
import { CaseTimerRepository } from './case-timer.repository';
import type { CaseRow, EdgeContext } from './complaint-guards';
import type {
  CaseTimerKind,
  CounterNoticeRecord,
  Edge,
  EdgeEffect,
  EdgeMailTemplate,
  MailRecipient,
} from './complaint-state';
import { COUNTER_NOTICE_FIELDS, hasCounterNotice } from './counter-notice';
import type { Locale } from './legal-basis';
import { restorationDate } from './restoration-date';
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
    private readonly workingDays: WorkingDays,
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
        return effect.op === 'reverse' ? this.reverseRemedies(ctx, effect.only) : this.applyRemedies(ctx);
      case 'timer':
        if (effect.op === 'schedule')
          return this.timers.schedule(ctx.tx, ctx.c.id, effect.timer, this.timerDue(effect.timer, ctx));
        await this.timers.cancel(ctx.tx, ctx.c.id, effect.timer, ctx.now);
        return;
      case 'record':
        if (effect.what === 'appeal') return this.appealEffects.record(ctx);
        if (effect.what === 'appeal_decision') return this.appealEffects.decide(ctx);
        return effect.what === 'answer' ? this.recordAnswer(ctx) : this.recordCounterNotice(effect.what, ctx);
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
      case 'restoration_due':
        // Computed per basis by the record restoration_date declared before it.
        return ctx.restoreAt ?? ctx.now;
      default:
        throw new Error(`no due time is defined for timer ${String(kind)}`);
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
  private async reverseRemedies(ctx: EdgeContext, which?: number[] | 'counter_notice_items'): Promise<void> {
    const { tx, c, actor } = ctx;
    let positions = Array.isArray(which) ? which : undefined;
    if (which === 'counter_notice_items') {
      const cn = await this.validCounterNotice(ctx);
      positions = ((cn?.fields.items as number[] | undefined) ?? []).map(Number);
    }
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
        const staff = await staffRecipient(tx, c.assignee_id);
        if (!staff) return;
        const text = input.answer?.text.trim() ?? '';
        await send(
          tx,
          'complaint-info-answered',
          staff.email,
          staff.locale,
          {
            reference: c.reference,
            moderatorName: staff.displayName,
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
      case 'complaint-reopened>complainant':
        await send(tx, 'complaint-reopened', ...complainant(), { ...base, reason, trackingUrl: null }, c.id);
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
      case 'owner-response-received>assignee': {
        const cn = ctx.counterNoticeRow ?? null;
        const filing = input.counterNotice;
        const staff = await this.staffAddress(ctx);
        await send(
          tx,
          'owner-response-received',
          staff.email,
          staff.locale,
          {
            reference: c.reference,
            kind: 'counter_notice',
            caseUrl: `${this.config.publicBaseUrl}/staff/complaints/${c.reference}`,
            excerpt: textOf(filing?.fields.statement ?? cn?.fields.statement).slice(0, 500),
            fileCount: filing?.files.length ?? cn?.file_ids.length ?? 0,
          },
          c.id,
        );
        return;
      }
      case 'counter-notice-incomplete>counter_notifier': {
        const o = this.notifier(ctx);
        await send(
          tx,
          'counter-notice-incomplete',
          o.email,
          o.locale,
          {
            reference: c.reference,
            ownerName: o.name,
            legalBasis: c.legal_basis,
            missing: ctx.missing ?? [],
            responseUrl: null,
            responseUntil: this.linkUntil(ctx),
          },
          c.id,
        );
        return;
      }
      case 'counter-notice-invalid>counter_notifier': {
        const o = this.notifier(ctx);
        await send(
          tx,
          'counter-notice-invalid',
          o.email,
          o.locale,
          {
            reference: c.reference,
            ownerName: o.name,
            legalBasis: c.legal_basis,
            reason,
            responseUrl: null,
            responseUntil: this.linkUntil(ctx),
          },
          c.id,
        );
        return;
      }
      case 'counter-notice-accepted>complainant': {
        const cn = ctx.counterNoticeRow;
        await send(
          tx,
          'counter-notice-accepted',
          ...complainant(),
          {
            ...base,
            lines: cn ? counterNoticeLines(cn.legal_basis, cn.fields, c.locale) : [],
            items: cn ? itemLabels(c, (cn.fields.items as number[] | undefined) ?? []) : [],
            fileCount: cn?.file_ids.length ?? 0,
            restoreAt: (ctx.restoreAt ?? ctx.now).toISOString(),
            trackingUrl: null,
          },
          c.id,
        );
        return;
      }
      case 'restoration-scheduled>counter_notifier': {
        const o = this.notifier(ctx);
        await send(
          tx,
          'restoration-scheduled',
          o.email,
          o.locale,
          {
            reference: c.reference,
            ownerName: o.name,
            legalBasis: c.legal_basis,
            restoreAt: (ctx.restoreAt ?? ctx.now).toISOString(),
            responseUrl: null,
            responseUntil: this.linkUntil(ctx),
          },
          c.id,
        );
        return;
      }
      case 'litigation-hold>complainant':
      case 'litigation-hold>counter_notifier':
      case 'litigation-ended>complainant':
      case 'litigation-ended>counter_notifier':
      case 'case-restored>complainant':
      case 'case-restored>counter_notifier': {
        const party = await this.party(to, ctx);
        const addressee = party.mail;
        if (!addressee) return;
        if (template === 'litigation-hold')
          await send(tx, 'litigation-hold', party.email, party.locale, addressee, c.id);
        else if (template === 'litigation-ended')
          await send(
            tx,
            'litigation-ended',
            party.email,
            party.locale,
            { ...addressee, outcome: input.to === 'restored' ? 'restored' : 'closed', reason },
            c.id,
          );
        else {
          const [row] = await tx.query<Array<{ positions: number[] | null }>>(
            `SELECT array_agg(position ORDER BY position) AS positions FROM complaint_item
              WHERE complaint_id = $1 AND remedy_reversed_at IS NOT NULL`,
            [c.id],
          );
          await send(
            tx,
            'case-restored',
            party.email,
            party.locale,
            { ...addressee, items: itemLabels(c, row?.positions ?? []) },
            c.id,
          );
        }
        return;
      }
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

  /** Where staff notices go: the case's assignee in their language, else the desk's contact address. */
  private async staffAddress(ctx: EdgeContext): Promise<MailAddress> {
    const staff = ctx.c.assignee_id ? await staffRecipient(ctx.tx, ctx.c.assignee_id) : null;
    return staff ?? { email: this.config.contactEmail, locale: DESK_LOCALE };
  }

  /** A fresh owner link lasts as long as the appeal window (APPEAL_MONTHS). */
  private linkUntil(ctx: EdgeContext): string {
    return this.appealUntil(ctx).toISOString();
  }

  /** The owner who filed the counter-notice this edge is about: address, name, language of their filing. */
  private notifier(ctx: EdgeContext): { email: string; name: string; locale: Locale } {
    const cn = ctx.counterNoticeRow;
    const email = cn?.owner_email ?? ctx.input.counterNotice?.ownerEmail ?? ctx.c.items[0]?.owner_email;
    const item = ctx.c.items.find((i) => i.owner_email.toLowerCase() === email.toLowerCase());
    const locale: Locale = cn?.fields.locale === 'en' ? 'en' : 'zh-CN';
    return { email, name: item?.owner_name ?? textOf(cn?.fields.name), locale };
  }

  /** The case's latest valid counter-notice (the one restoration and the hold are about), loaded once. */
  private async validCounterNotice(ctx: EdgeContext): Promise<EdgeContext['counterNoticeRow']> {
    if (!ctx.counterNoticeRow) {
      const [row] = await ctx.tx.query<NonNullable<EdgeContext['counterNoticeRow']>[]>(
        `SELECT id, owner_email, legal_basis, fields, file_ids, created_at FROM counter_notice
          WHERE complaint_id = $1 AND status = 'valid' ORDER BY decided_at DESC LIMIT 1`,
        [ctx.c.id],
      );
      ctx.counterNoticeRow = row;
    }
    return ctx.counterNoticeRow;
  }

  /** One party of a two-party mail: the complainant, or the owner of the case's latest valid counter-notice. */
  private async party(
    to: MailRecipient,
    ctx: EdgeContext,
  ): Promise<{ email: string; locale: Locale; mail: PartyMail | null }> {
    const { c } = ctx;
    const common = { reference: c.reference, legalBasis: c.legal_basis };
    if (to === 'complainant')
      return {
        email: c.complainant.email,
        locale: c.locale,
        mail: { ...common, name: c.complainant.name, audience: 'complainant', trackingUrl: null },
      };
    if (!(await this.validCounterNotice(ctx))) return { email: '', locale: 'zh-CN', mail: null };
    const o = this.notifier(ctx);
    return {
      email: o.email,
      locale: o.locale,
      mail: { ...common, name: o.name, audience: 'owner', responseUrl: null, responseUntil: this.linkUntil(ctx) },
    };
  }

  /**
   * The counter-notice records: the filing (row, files, audit), the staff decision on it (status
   * from the edge), the restoration date per basis on the case, and an accepted litigation proof.
   */
  private async recordCounterNotice(what: CounterNoticeRecord, ctx: EdgeContext): Promise<void> {
    const { tx, c, input, actor, now } = ctx;
    switch (what) {
      case 'counter_notice': {
        const cn = input.counterNotice;
        if (!cn) throw new Error('counter_notice_filed guard did not run');
        const fileIds: string[] = [];
        for (const f of cn.files) {
          const [row] = await tx.query<Array<{ id: string }>>(
            `INSERT INTO evidence_file (complaint_id, purpose, original_name, content_type, size_bytes, sha256, storage_key)
             VALUES ($1, 'counter_notice', $2, $3, $4, $5, $6) RETURNING id`,
            [c.id, f.originalName, f.contentType, f.sizeBytes, f.sha256, f.storageKey],
          );
          fileIds.push(row.id);
        }
        const [row] = await tx.query<Array<{ id: string }>>(
          `INSERT INTO counter_notice (complaint_id, owner_email, legal_basis, fields, file_ids, created_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id`,
          [
            c.id,
            cn.ownerEmail.toLowerCase(),
            c.legal_basis,
            JSON.stringify({ ...cn.fields, items: cn.items, locale: cn.locale }),
            fileIds,
            // Received now by the desk's clock: 512(g)(2)(C) counts from receipt.
            now,
          ],
        );
        await this.audit.append(tx, {
          actorType: 'content_owner',
          action: 'counter_notice.filed',
          subjectType: 'complaint',
          subjectId: c.id,
          payload: {
            reference: c.reference,
            counterNotice: row.id,
            items: cn.items,
            files: cn.files.map((f) => ({ sha256: f.sha256, sizeBytes: f.sizeBytes, contentType: f.contentType })),
          },
        });
        return;
      }
      case 'counter_notice_decision': {
        const cn = ctx.counterNoticeRow;
        if (!cn) throw new Error('pending_counter_notice guard did not run');
        const status =
          input.to === 'restoration_pending'
            ? 'valid'
            : input.action === 'counter_notice_incomplete'
              ? 'incomplete'
              : 'invalid';
        const reason = status === 'incomplete' ? (ctx.missing ?? []).join('\n') : (input.reason?.trim() ?? null);
        await tx.query(
          `UPDATE counter_notice SET status = $2, decided_by = $3, decided_at = $4, reason = $5 WHERE id = $1`,
          [cn.id, status, actor.id, now, reason || null],
        );
        await this.audit.append(tx, {
          actorType: actor.role,
          actorId: actor.id,
          action: 'counter_notice.decided',
          subjectType: 'complaint',
          subjectId: c.id,
          payload: { reference: c.reference, counterNotice: cn.id, status },
        });
        return;
      }
      case 'restoration_date': {
        const cn = ctx.counterNoticeRow;
        if (!cn || !hasCounterNotice(c.legal_basis)) throw new Error('no valid counter-notice to date');
        const [cnCal, usCal] = await Promise.all([this.workingDays.calendar('cn'), this.workingDays.calendar('us')]);
        const date = restorationDate(c.legal_basis, new Date(cn.created_at), now, this.config.restoration, {
          cn: cnCal,
          us: usCal,
        });
        ctx.restoreAt = date.at;
        await tx.query(`UPDATE complaint SET restoration_due_at = $2 WHERE id = $1`, [c.id, date.at]);
        await tx.query(`UPDATE counter_notice SET restore_at = $2 WHERE id = $1`, [cn.id, date.at]);
        await this.audit.append(tx, {
          actorType: actor.role,
          actorId: actor.id,
          action: 'complaint.restoration_scheduled',
          subjectType: 'complaint',
          subjectId: c.id,
          payload: {
            reference: c.reference,
            restoreAt: date.at.toISOString(),
            lastDay: date.lastDay,
            region: date.region,
          },
        });
        return;
      }
      case 'litigation_decision': {
        const proof = ctx.litigationProof;
        if (!proof) throw new Error('pending_litigation_proof guard did not run');
        await tx.query(
          `UPDATE litigation_proof SET status = 'accepted', decided_by = $2, decided_at = $3, reason = $4 WHERE id = $1`,
          [proof.id, actor.id, now, input.reason?.trim() || null],
        );
        await tx.query(`UPDATE complaint SET restoration_due_at = NULL WHERE id = $1`, [c.id]);
        await this.audit.append(tx, {
          actorType: actor.role,
          actorId: actor.id,
          action: 'litigation_proof.accepted',
          subjectType: 'complaint',
          subjectId: c.id,
          payload: { reference: c.reference, litigationProof: proof.id },
        });
        return;
      }
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

/** The items chosen by position, as a party reads them. */
function itemLabels(c: CaseRow, positions: number[]): string[] {
  return c.items
    .filter((i) => positions.includes(i.position))
    .map(
      (i) =>
        `${i.title}${i.kind === 'image' ? ' (image)' : i.kind === 'passage' ? ` “${(i.detail ?? '').slice(0, 60)}”` : ''} <${i.url}>`,
    );
}

/**
 * The counter-notice as the complainant may read it (512(g)(2)(B) forwards a copy; 条例 Art. 17 and
 * 民法典 Art. 1196 forward the declaration): the owner's statements, name and postal address (the
 * complainant needs them to sue: 512(g)(3)(D) consents to their service), never the owner's phone or
 * e-mail contact, which the desk keeps (PIPL Art. 6) and gives a court or authority on request.
 */
export function counterNoticeLines(
  basis: string,
  fields: Record<string, unknown>,
  locale: Locale,
): Array<{ label: string; value: string }> {
  if (!hasCounterNotice(basis)) return [];
  const hidden = new Set(['contact', 'phone']);
  return COUNTER_NOTICE_FIELDS[basis]
    .filter((f) => !hidden.has(f.key) && fields[f.key] !== undefined && fields[f.key] !== '')
    .map((f) => ({
      label: translate(locale, `counterNotice.field.${f.key}`),
      value: f.kind === 'check' ? translate(locale, 'counterNotice.confirmed') : String(fields[f.key]),
    }));
}

/** A counter-notice field as text (fields are strings or confirmations). */
function textOf(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
