import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ConflictError, DomainError, ErrorCode, NotFoundError } from '../common/domain-error';
import { hashToken, newToken } from '../common/tokens';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import type { MailLocale } from '../mail/mail-helpers';
import { MailOutbox } from '../mail/mail-outbox';
import { OutboxSignal } from '../mail/outbox-signal';
import type { StaffPrincipal } from './auth.decorators';
import type { StaffRole } from './staff-user.entity';
import { checkPassword, hashPassword, StaffUserRow, StaffUsersService } from './staff-users.service';

/** How long an invitation link works. */
export const INVITATION_HOURS = 72;
export const INVITATION_TEMPLATE = 'staff-invitation';
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The link is unknown, used, expired, replaced or its account disabled: one answer for all. */
export class InvitationInvalid extends DomainError {
  constructor() {
    super(ErrorCode.NOT_FOUND, 'This invitation link is not valid (used, expired or replaced)');
  }
}

export interface InvitationView {
  email: string;
  displayName: string;
  role: StaffRole;
  expiresAt: Date;
}

/**
 * Invitations: an admin creates an 'invited' account without a password; its owner gets a mail
 * (template staff-invitation, payload key `link`) with a single-use link
 * /staff/invitation/<token> (256 random bits; only the SHA-256 is stored, in staff_invitation)
 * that works for INVITATION_HOURS, and chooses a password there. The admin never sees a usable
 * password or the link. Account, invitation, audit event and mail job commit together.
 */
@Injectable()
export class StaffInvitationsService {
  constructor(
    private readonly db: DataSource,
    private readonly users: StaffUsersService,
    private readonly audit: AuditService,
    private readonly outbox: MailOutbox,
    private readonly signal: OutboxSignal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates the invited account with `locale` as its language (all its mail, from this invitation
   * on, until its owner changes it on /staff/account) and mails its owner the link.
   */
  async invite(
    input: { email: string; displayName?: string; role: string },
    admin: StaffPrincipal,
    locale: MailLocale,
  ): Promise<{ user: StaffUserRow; expiresAt: Date }> {
    const out = await this.db.transaction(async (tx) => {
      const user = await this.users.insertIn(tx, { ...input, locale }, 'invited', null, {
        actorType: 'admin',
        actorId: admin.id,
      });
      const expiresAt = await this.issue(tx, user, admin, user.locale);
      return { user, expiresAt };
    });
    this.signal.kick();
    return out;
  }

  /**
   * A new link for an account still waiting for its owner; earlier links stop working. The mail
   * is in the account's language; a `locale` given (the API's) first replaces that language.
   */
  async resend(userId: string, admin: StaffPrincipal, locale: MailLocale | null): Promise<{ expiresAt: Date }> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('No such staff account');
    const expiresAt = await this.db.transaction(async (tx) => {
      const [row] = await tx.query<Array<{ status: string; locale: MailLocale }>>(
        `SELECT status, locale FROM staff_user WHERE id = $1 FOR UPDATE`,
        [userId],
      );
      if (row?.status !== 'invited') throw new ConflictError('The account is not waiting for an invitation');
      if (locale && locale !== row.locale) {
        await tx.query(`UPDATE staff_user SET locale = $2, updated_at = now() WHERE id = $1`, [userId, locale]);
        // The same event as the owner's own change on /staff/account, with the admin as actor.
        await this.audit.append(tx, {
          actorType: 'admin',
          actorId: admin.id,
          action: 'staff.locale_changed',
          subjectType: 'staff_user',
          subjectId: userId,
          payload: { from: row.locale, to: locale },
        });
      }
      return this.issue(tx, user, admin, locale ?? row.locale);
    });
    this.signal.kick();
    return { expiresAt };
  }

  /** What the invitation page shows for a live link, or null. Reading never uses the link up. */
  async find(token: string): Promise<InvitationView | null> {
    if (!LINK_TOKEN.test(token)) return null;
    const rows = await this.db.query<InvitationView[]>(
      `SELECT u.email, u.display_name AS "displayName", u.role, i.expires_at AS "expiresAt"
         FROM staff_invitation i JOIN staff_user u ON u.id = i.user_id
        WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
          AND u.status = 'invited'`,
      [hashToken(token)],
    );
    return rows[0] ?? null;
  }

  /**
   * Uses the link: sets the owner's password and activates the account, once. The invitation row
   * is locked, so two submissions cannot both succeed. ValidationError (field `password`) for a
   * short password leaves the link usable; InvitationInvalid for anything else.
   */
  async accept(token: string, password: string): Promise<{ id: string; email: string }> {
    if (!LINK_TOKEN.test(token)) throw new InvitationInvalid();
    checkPassword(password);
    const hash = await hashPassword(password);
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ invitationId: string; userId: string; email: string; role: StaffRole }>>(
        `SELECT i.id AS "invitationId", u.id AS "userId", u.email, u.role
           FROM staff_invitation i JOIN staff_user u ON u.id = i.user_id
          WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
            AND u.status = 'invited'
          FOR UPDATE OF i, u`,
        [hashToken(token)],
      );
      const hit = rows[0];
      if (!hit) throw new InvitationInvalid();
      await tx.query(`UPDATE staff_invitation SET used_at = now() WHERE id = $1`, [hit.invitationId]);
      await tx.query(
        `UPDATE staff_user SET password_hash = $2, status = 'active', failed_logins = 0, locked_until = NULL,
           updated_at = now() WHERE id = $1`,
        [hit.userId, hash],
      );
      await this.audit.append(tx, {
        actorType: hit.role,
        actorId: hit.userId,
        action: 'staff.invitation_accepted',
        subjectType: 'staff_user',
        subjectId: hit.userId,
        payload: { invitation: hit.invitationId },
      });
      return { id: hit.userId, email: hit.email };
    });
  }

  private async issue(tx: EntityManager, user: StaffUserRow, admin: StaffPrincipal, locale: MailLocale): Promise<Date> {
    // A placeholder nobody knows: the mail worker gives the invitation its real token at send time.
    const token = newToken();
    await tx.query(
      `UPDATE staff_invitation SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`,
      [user.id],
    );
    const [row] = await tx.query<Array<{ id: string; expiresAt: Date }>>(
      `INSERT INTO staff_invitation (user_id, token_hash, invited_by, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(hours => $4)) RETURNING id, expires_at AS "expiresAt"`,
      [user.id, hashToken(token), admin.id, INVITATION_HOURS],
    );
    await this.audit.append(tx, {
      actorType: 'admin',
      actorId: admin.id,
      action: 'staff.invited',
      subjectType: 'staff_user',
      subjectId: user.id,
      payload: {
        email: user.email,
        role: user.role,
        invitation: row.id,
        expiresAt: new Date(row.expiresAt).toISOString(),
        locale,
      },
    });
    await this.outbox.send(tx, INVITATION_TEMPLATE, user.email, locale, {
      // The link is minted by the mail worker at send time (mail-links.ts): no table holds it.
      invitationUrl: null,
      invitation: row.id,
      displayName: user.displayName,
      email: user.email,
      role: user.role,
      invitedBy: admin.displayName,
      expiresAt: new Date(row.expiresAt).toISOString(),
      hours: INVITATION_HOURS,
    });
    return new Date(row.expiresAt);
  }
}
