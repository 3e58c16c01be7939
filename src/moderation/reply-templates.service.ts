import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { NotFoundError, ValidationError } from '../common/domain-error';
import type { FieldError } from '../common/domain-error';
import { fieldError } from '../complaints/complaint-validation';
import { isLocale, LEGAL_BASES } from '../complaints/legal-basis';
import type { LegalBasis, Locale } from '../complaints/legal-basis';
import { returnedRows } from '../database/returned-rows';

export interface ReplyTemplateView {
  id: string;
  name: string;
  /** null: offered for every legal basis. */
  legalBasis: LegalBasis | null;
  locale: Locale;
  body: string;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface ReplyTemplateInput {
  name: string;
  legalBasis: LegalBasis | null;
  locale: Locale;
  body: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A few starting texts; seedDefaults() is deliberately called from nowhere (admins write their own). */
const DEFAULTS: ReplyTemplateInput[] = [
  {
    name: '补充权属证明',
    legalBasis: 'cn-copyright',
    locale: 'zh-CN',
    body: '请提供您对该作品享有著作权的初步证明材料，例如作品原件、首次发表记录或登记证书。',
  },
  {
    name: '驳回：未构成侵权',
    legalBasis: null,
    locale: 'zh-CN',
    body: '经审核，现有材料不足以证明相关内容侵犯了您的合法权益，我们决定不予处理。如您有新的证据，可在六个月内提出申诉。',
  },
  {
    name: 'Proof of ownership',
    legalBasis: 'us-dmca',
    locale: 'en',
    body: 'Please send preliminary evidence that you own the rights in the work, such as the original file or a registration certificate.',
  },
  {
    name: 'Rejected: no infringement shown',
    legalBasis: null,
    locale: 'en',
    body: 'Having reviewed your notice and evidence, we found no infringement of your rights and will take no action. You may appeal within six months.',
  },
];

/** Reply texts moderators insert into reasons and messages; kept by admins, every change audited. */
@Injectable()
export class ReplyTemplatesService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Templates for a case: those of its basis plus the general ones, in its language; or all. */
  async list(filter: { legalBasis?: string | null; locale?: string | null } = {}): Promise<ReplyTemplateView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.legalBasis) {
      params.push(filter.legalBasis);
      where.push(`(t.legal_basis = $${params.length} OR t.legal_basis IS NULL)`);
    }
    if (filter.locale) {
      params.push(filter.locale);
      where.push(`t.locale = $${params.length}`);
    }
    const rows = await this.db.query<Array<Record<string, unknown>>>(
      `SELECT t.id, t.name, t.legal_basis, t.locale, t.body, t.updated_at, u.display_name AS updated_by
         FROM reply_template t LEFT JOIN staff_user u ON u.id = t.updated_by
        ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
        ORDER BY t.locale, t.legal_basis NULLS FIRST, t.name, t.id`,
      params,
    );
    return rows.map((r) => ({
      id: r.id as string,
      name: r.name as string,
      legalBasis: (r.legal_basis as LegalBasis | null) ?? null,
      locale: r.locale as Locale,
      body: r.body as string,
      updatedAt: r.updated_at as Date,
      updatedBy: (r.updated_by as string | null) ?? null,
    }));
  }

  /** Checks a form or JSON body; throws ValidationError naming every bad field. */
  parse(body: unknown): ReplyTemplateInput {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const name = str(b.name);
    const basis = str(b.legalBasis);
    const locale = str(b.locale);
    const text = typeof b.body === 'string' ? b.body.replace(/\r\n/g, '\n').trim() : '';
    const errors: FieldError[] = [];
    if (!name) errors.push(fieldError('name', 'required'));
    else if (name.length > 200) errors.push(fieldError('name', 'maxLength', 'must be at most 200 characters'));
    if (basis && !(LEGAL_BASES as readonly string[]).includes(basis)) errors.push(fieldError('legalBasis', 'invalid'));
    if (!isLocale(locale)) errors.push(fieldError('locale', locale ? 'invalid' : 'required'));
    if (!text) errors.push(fieldError('body', 'required'));
    else if (text.length > 10000) errors.push(fieldError('body', 'maxLength', 'must be at most 10000 characters'));
    if (errors.length) throw new ValidationError(errors);
    return { name, legalBasis: (basis || null) as LegalBasis | null, locale: locale as Locale, body: text };
  }

  async create(input: ReplyTemplateInput, actor: StaffPrincipal): Promise<string> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO reply_template (name, legal_basis, locale, body, updated_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [input.name, input.legalBasis, input.locale, input.body, actor.id],
      );
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'reply_template.created',
        subjectType: 'reply_template',
        subjectId: row.id,
        payload: { ...input },
      });
      return row.id;
    });
  }

  async update(id: string, input: ReplyTemplateInput, actor: StaffPrincipal): Promise<void> {
    if (!UUID.test(id)) throw new NotFoundError('No such reply template');
    await this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ id: string }>>(
        `UPDATE reply_template SET name = $2, legal_basis = $3, locale = $4, body = $5, updated_by = $6, updated_at = now() WHERE id = $1 RETURNING id`,
        [id, input.name, input.legalBasis, input.locale, input.body, actor.id],
      );
      if (!returnedRows(rows).length) throw new NotFoundError('No such reply template');
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'reply_template.updated',
        subjectType: 'reply_template',
        subjectId: id,
        payload: { ...input },
      });
    });
  }

  async remove(id: string, actor: StaffPrincipal): Promise<void> {
    if (!UUID.test(id)) throw new NotFoundError('No such reply template');
    await this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ id: string; name: string }>>(
        `DELETE FROM reply_template WHERE id = $1 RETURNING id, name`,
        [id],
      );
      const deleted = returnedRows<{ id: string; name: string }>(rows);
      if (!deleted.length) throw new NotFoundError('No such reply template');
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'reply_template.deleted',
        subjectType: 'reply_template',
        subjectId: id,
        payload: { name: deleted[0].name },
      });
    });
  }

  /** Adds the default templates when there are none (not called at boot; for a demo or a console). */
  async seedDefaults(actor: StaffPrincipal): Promise<number> {
    const [{ n }] = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM reply_template`);
    if (n > 0) return 0;
    for (const t of DEFAULTS) await this.create(t, actor);
    return DEFAULTS.length;
  }
}
