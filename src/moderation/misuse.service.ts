import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import { WARNING_VALID_DAYS } from '../complaints/complaint-guards';
import { MailOutbox } from '../mail/mail-outbox';
import { OutboxSignal } from '../mail/outbox-signal';

export interface MisuseWarning {
  id: string;
  reference: string;
  reason: string;
  warnedBy: string;
  createdAt: Date;
}

/**
 * The misuse procedure's first step (DSA Art. 23): an admin warns a complainant's address,
 * with reasons, naming the case that prompted it. The warning, its audit event and the mail
 * to the address commit together. A later notice from that address may then be marked
 * `not_processed` (guard prior_warning); this case itself is still decided on its merits.
 */
@Injectable()
export class MisuseService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailOutbox,
    private readonly signal: OutboxSignal,
  ) {}

  /**
   * One warning per case: sent twice (a double click, a retried request) the second answers the
   * first (`created: false`) without another row or mail. The case row is locked so that two at
   * once cannot both insert.
   */
  async warn(
    reference: string,
    reason: string,
    actor: StaffPrincipal,
  ): Promise<{ warning: MisuseWarning; created: boolean }> {
    if (actor.role !== 'admin') throw new DomainError(ErrorCode.FORBIDDEN, 'Only an admin warns a complainant');
    const text = reason.trim();
    if (!text) throw new ValidationError([{ field: 'reason', rule: 'required', message: 'give the reasons' }]);
    if (text.length > 10000)
      throw new ValidationError([{ field: 'reason', rule: 'maxLength', message: 'at most 10000 characters' }]);
    const warning = await this.db.transaction(async (tx) => {
      const [c] = await tx.query<
        Array<{ id: string; email: string; name: string; email_display: string; locale: 'zh-CN' | 'en' }>
      >(
        `SELECT id, complainant_email AS email, complainant->>'name' AS name, complainant->>'email' AS email_display, locale
           FROM complaint WHERE reference = $1 FOR UPDATE`,
        [reference],
      );
      if (!c) throw new NotFoundError(`No case ${reference}`);
      const [earlier] = await tx.query<MisuseWarning[]>(
        `SELECT w.id, $2::text AS reference, w.reason, s.display_name AS "warnedBy", w.created_at AS "createdAt"
           FROM complainant_warning w JOIN staff_user s ON s.id = w.warned_by
          WHERE w.complaint_id = $1 ORDER BY w.created_at LIMIT 1`,
        [c.id, reference],
      );
      if (earlier) return { warning: earlier, created: false };
      const [w] = await tx.query<Array<{ id: string; created_at: Date }>>(
        `INSERT INTO complainant_warning (email, complaint_id, reason, warned_by) VALUES ($1, $2, $3, $4)
         RETURNING id, created_at`,
        [c.email, c.id, text, actor.id],
      );
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'complainant.warned',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: { reference, warning: w.id, reason: text },
      });
      await this.mail.send(
        tx,
        'complainant-warning',
        c.email_display,
        c.locale,
        { reference, complainantName: c.name, reason: text, validDays: WARNING_VALID_DAYS },
        c.id,
      );
      return {
        warning: { id: w.id, reference, reason: text, warnedBy: actor.displayName, createdAt: w.created_at },
        created: true,
      };
    });
    if (warning.created) this.signal.kick();
    return warning;
  }

  /** The warnings to the address that filed this case, newest first. */
  async warningsFor(reference: string): Promise<MisuseWarning[]> {
    return this.db.query<MisuseWarning[]>(
      `SELECT w.id, wc.reference, w.reason, s.display_name AS "warnedBy", w.created_at AS "createdAt"
         FROM complaint c
         JOIN complainant_warning w ON w.email = c.complainant_email
         JOIN complaint wc ON wc.id = w.complaint_id
         JOIN staff_user s ON s.id = w.warned_by
        WHERE c.reference = $1
        ORDER BY w.created_at DESC`,
      [reference],
    );
  }
}
