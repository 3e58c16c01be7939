import type { AuditService } from '../audit/audit.service';
import type { AppConfig } from '../config/config';
import type { MailOutbox } from '../mail/mail-outbox';
import type { AppealLine } from '../mail/mail-templates';
import { appealWindowEnd, mayAppeal } from './appeal-window';
import type { CaseRow, EdgeContext } from './complaint-guards';
import { appealItems } from './complaint-guards';
import type { EdgeMailTemplate, MailRecipient } from './complaint-state';

type Item = CaseRow['items'][number];
type Party = 'complainant' | 'content_owner';

/** Each item's remedy as it stands after the edge's remedies ran (the owners told are those ever touched). */
interface ItemRemedy {
  position: number;
  remedy: string | null;
  applied: boolean;
  standing: boolean;
}

/**
 * The effects of appeals and withdrawal (declared on the edges in complaint-state.ts, run by
 * EdgeEffects): storing an appeal and its decision, and the mails to both parties. A content
 * owner hears of an appeal or a withdrawal only where something was done to their article.
 */
export class AppealEffects {
  constructor(
    private readonly mail: MailOutbox,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** The appeal with the decision appealed and its deciders (the other_decider guard reads them). */
  async record(ctx: EdgeContext): Promise<void> {
    const { tx, c, input } = ctx;
    const a = input.appeal;
    if (!a) throw new Error('an appeal edge without an appeal');
    const fileIds: string[] = [];
    for (const f of a.files) {
      const [row] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO evidence_file (complaint_id, purpose, original_name, content_type, size_bytes, sha256, storage_key)
         VALUES ($1, 'appeal', $2, $3, $4, $5, $6) RETURNING id`,
        [c.id, f.originalName, f.contentType, f.sizeBytes, f.sha256, f.storageKey],
      );
      fileIds.push(row.id);
    }
    await tx.query(
      `INSERT INTO appeal (complaint_id, party, owner_email, body, file_ids, appealed_state, appealed_decided_by,
                           appealed_escalated_by, appealed_reason, filed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        c.id,
        a.party,
        a.ownerEmail?.toLowerCase() ?? null,
        a.text.trim(),
        fileIds,
        c.state,
        c.decided_by,
        c.escalated_by,
        c.decision_reason,
        ctx.now,
      ],
    );
    await this.audit.append(tx, {
      actorType: a.party,
      action: 'complaint.appealed',
      subjectType: 'complaint',
      subjectId: c.id,
      payload: {
        reference: c.reference,
        party: a.party,
        appealedState: c.state,
        files: a.files.map((f) => ({ sha256: f.sha256, sizeBytes: f.sizeBytes, contentType: f.contentType })),
      },
    });
  }

  /** Who decided the open appeal, when, how and why. */
  async decide(ctx: EdgeContext): Promise<void> {
    const { tx, c, input, actor } = ctx;
    const rows = await tx.query<Array<{ id: string; party: Party }>>(
      `UPDATE appeal SET decided_by = $2, decided_at = $3, outcome = $4, reasons = $5
        WHERE complaint_id = $1 AND decided_at IS NULL RETURNING id, party`,
      [c.id, actor.id, ctx.now, input.to, input.reason?.trim() ?? ''],
    );
    await this.audit.append(tx, {
      actorType: actor.role,
      actorId: actor.id,
      action: 'complaint.appeal_decided',
      subjectType: 'complaint',
      subjectId: c.id,
      payload: {
        reference: c.reference,
        appeal: rows[0]?.id ?? null,
        party: rows[0]?.party ?? null,
        outcome: input.to,
      },
    });
  }

  async send(template: EdgeMailTemplate, to: MailRecipient, ctx: EdgeContext): Promise<void> {
    const { tx, c } = ctx;
    const remedies = await tx.query<ItemRemedy[]>(
      // standing: in force on the site, by this case or (after a reversal) by another standing case.
      `SELECT i.position, i.remedy, i.remedy_applied_at IS NOT NULL AS applied,
              (i.remedy_applied_at IS NOT NULL AND (i.remedy_reversed_at IS NULL OR EXISTS (
                 SELECT 1 FROM complaint_item o
                  WHERE o.complaint_id <> i.complaint_id AND o.article_id = i.article_id AND o.remedy = i.remedy
                    AND o.remedy IN ('remove_article', 'remove_image') AND o.image_id IS NOT DISTINCT FROM i.image_id
                    AND o.remedy_applied_at IS NOT NULL AND o.remedy_reversed_at IS NULL))) AS standing
         FROM complaint_item i WHERE i.complaint_id = $1 ORDER BY i.position`,
      [c.id],
    );
    const lines = (items: readonly Item[]): AppealLine[] =>
      items.map((i) => {
        const r = remedies.find((x) => x.position === i.position);
        const remedy = r?.remedy ?? 'no_action';
        return { itemLabel: label(i), remedy, standing: !!r?.standing && remedy !== 'no_action' };
      });
    const touched = (i: Item) => {
      const r = remedies.find((x) => x.position === i.position);
      return !!r?.applied && r.remedy !== null && r.remedy !== 'no_action';
    };
    const base = { reference: c.reference, legalBasis: c.legal_basis };
    // Link lifetime of an owner's page: as long as the window this decision opens.
    const until = appealWindowEnd(ctx.now, this.config.appeals.months).toISOString();
    if (to === 'complainant') {
      const complainant = [c.complainant.email, c.locale] as const;
      if (template === 'complaint-withdrawn') {
        await this.mail.send(
          tx,
          'complaint-withdrawn',
          ...complainant,
          {
            ...base,
            complainantName: c.complainant.name,
            undone: lines(c.items.filter(touched)),
            trackingUrl: null,
          },
          c.id,
        );
        return;
      }
      const appellant = await this.appellant(ctx);
      if (template === 'appeal-received') {
        await this.mail.send(
          tx,
          'appeal-received',
          ...complainant,
          { ...base, recipientName: c.complainant.name, recipient: 'complainant', appellant, trackingUrl: null },
          c.id,
        );
        return;
      }
      await this.mail.send(
        tx,
        'appeal-decided',
        ...complainant,
        {
          ...base,
          recipientName: c.complainant.name,
          recipient: 'complainant',
          appellant,
          outcome: ctx.input.to as 'actioned' | 'rejected' | 'restored',
          reason: ctx.input.reason?.trim() ?? '',
          items: lines(c.items),
          appealUntil: (await this.mayStillAppeal(ctx, 'complainant', null)) ? until : null,
          trackingUrl: null,
        },
        c.id,
      );
      return;
    }
    // Content owners: each their own mail about their own items, only where their article was touched.
    const owners = new Map<string, Item[]>();
    for (const i of c.items) owners.set(i.owner_email, [...(owners.get(i.owner_email) ?? []), i]);
    const appellant = template === 'owner-withdrawn' ? 'complainant' : await this.appellant(ctx);
    for (const [email, items] of owners) {
      if (!items.some(touched)) continue;
      const owner = { recipientName: items[0].owner_name, articleTitle: items[0].title };
      if (template === 'owner-withdrawn') {
        await this.mail.send(
          tx,
          'owner-withdrawn',
          email,
          items[0].owner_locale ?? 'zh-CN',
          {
            ...base,
            ownerName: owner.recipientName,
            articleTitle: owner.articleTitle,
            items: lines(items.filter(touched)),
          },
          c.id,
        );
      } else if (template === 'appeal-received') {
        await this.mail.send(
          tx,
          'appeal-received',
          email,
          items[0].owner_locale ?? 'zh-CN',
          { ...base, ...owner, recipient: 'content_owner', appellant, responseUrl: null, responseUntil: until },
          c.id,
        );
      } else {
        await this.mail.send(
          tx,
          'appeal-decided',
          email,
          items[0].owner_locale ?? 'zh-CN',
          {
            ...base,
            ...owner,
            recipient: 'content_owner',
            appellant,
            outcome: ctx.input.to as 'actioned' | 'rejected' | 'restored',
            reason: ctx.input.reason?.trim() ?? '',
            items: lines(items),
            appealUntil: (await this.mayStillAppeal(ctx, 'content_owner', email)) ? until : null,
            responseUrl: null,
            responseUntil: until,
          },
          c.id,
        );
      }
    }
  }

  /** Who filed the case's latest appeal. */
  private async appellant(ctx: EdgeContext): Promise<Party> {
    if (ctx.input.appeal) return ctx.input.appeal.party;
    const [a] = await ctx.tx.query<Array<{ party: Party }>>(
      `SELECT party FROM appeal WHERE complaint_id = $1 ORDER BY filed_at DESC LIMIT 1`,
      [ctx.c.id],
    );
    return a?.party ?? 'complainant';
  }

  /** After an appeal decision: may this party appeal the new decision (once per party and case)? */
  private async mayStillAppeal(ctx: EdgeContext, party: Party, ownerEmail: string | null): Promise<boolean> {
    const [earlier] = await ctx.tx.query<Array<{ id: string }>>(
      `SELECT id FROM appeal WHERE complaint_id = $1 AND party = $2 AND coalesce(owner_email, '') = coalesce($3, '')`,
      [ctx.c.id, party, ownerEmail?.toLowerCase() ?? null],
    );
    if (earlier) return false;
    return mayAppeal(party, ctx.input.to, ctx.c.legal_basis, await appealItems(ctx.tx, ctx.c.id), ownerEmail);
  }
}

/** An item as a party reads it: the article title, and which image or passage. */
function label(item: Item): string {
  return `${item.title}${item.kind === 'image' ? ' (image)' : item.kind === 'passage' ? ` “${(item.detail ?? '').slice(0, 60)}”` : ''}`;
}
