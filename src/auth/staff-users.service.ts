import { Injectable, Logger } from '@nestjs/common';
import argon2 from 'argon2';
import { isEmail } from 'class-validator';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ConflictError, DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import { hashToken } from '../common/tokens';
import { isLocale } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import type { StaffPrincipal } from './auth.decorators';
import type { StaffRole, StaffStatus } from './staff-user.entity';

export const STAFF_ROLES: readonly StaffRole[] = ['moderator', 'admin'];
export const MIN_PASSWORD_LENGTH = 12;
/** Consecutive failed sign-ins that lock an account, and for how long. */
export const LOCKOUT_AFTER = 5;
export const LOCKOUT_MINUTES = 15;

/** Who makes a change to staff accounts: an admin, the account's owner (their role), or the CLI ('system'). */
export interface StaffActor {
  actorType: StaffRole | 'system';
  actorId: string | null;
}

/** A staff member acting on their own account. */
export const selfActor = (p: { id: string; role: StaffRole }): StaffActor => ({ actorType: p.role, actorId: p.id });

export interface StaffUserRow {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  status: StaffStatus;
  /** The language of the mail this person gets. */
  locale: Locale;
  hasToken: boolean;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
}

/** What a failed sign-in tells the caller: nothing about whether the account exists. */
export class SignInFailed extends DomainError {
  constructor() {
    super(ErrorCode.UNAUTHENTICATED, 'Wrong email or password, or the account is locked for a while');
  }
}

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~20 ms a hash on a small machine.
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

const COLUMNS = `id, email, display_name AS "displayName", role, status, locale, (api_token_hash IS NOT NULL) AS "hasToken",
  failed_logins AS "failedLogins", locked_until AS "lockedUntil", last_login_at AS "lastLoginAt", created_at AS "createdAt"`;

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
export const hashPassword = (password: string): Promise<string> => argon2.hash(password, HASH_OPTIONS);
export const TOKEN_PATTERN = /^nd_[A-Za-z0-9_-]{43}$/;

/**
 * Staff accounts: argon2id passwords, personal API tokens (only their SHA-256 is stored), the
 * sign-in check with a per-account lockout, disable (which ends the user's sessions in the same
 * transaction), role changes and invitations. Every change appends an audit event in its
 * transaction; payloads never hold passwords or tokens.
 *
 * Raw SQL on a DataSource, so the CLI can use this class without the Nest container.
 */
@Injectable()
export class StaffUsersService {
  private readonly logger = new Logger('StaffUsers');
  private dummyHash?: Promise<string>;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<StaffUserRow[]> {
    return this.db.query<StaffUserRow[]>(
      `SELECT ${COLUMNS} FROM staff_user ORDER BY status = 'disabled', lower(email)`,
    );
  }

  async findById(id: string): Promise<StaffUserRow | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.query<StaffUserRow[]>(`SELECT ${COLUMNS} FROM staff_user WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async findByEmail(email: string): Promise<StaffUserRow | null> {
    const rows = await this.db.query<StaffUserRow[]>(
      `SELECT ${COLUMNS} FROM staff_user WHERE lower(email) = lower($1)`,
      [email.trim()],
    );
    return rows[0] ?? null;
  }

  /**
   * Creates an active account with a password chosen by the person running it: the bootstrap of
   * the first admin (`npm run user:create`), and tests. Colleagues are invited instead
   * (StaffInvitationsService): nobody else ever learns their password.
   */
  async create(
    input: { email: string; displayName?: string; role: string; password: string; locale?: Locale },
    actor: StaffActor,
  ): Promise<StaffUserRow> {
    checkPassword(input.password);
    const hash = await hashPassword(input.password);
    return this.db.transaction((tx) => this.insertIn(tx, input, 'active', hash, actor));
  }

  /**
   * Inserts an account in the caller's transaction (audit staff.created). 'invited' accounts have
   * no password (no sign-in works) until their owner chooses one through the invitation link.
   */
  async insertIn(
    tx: EntityManager,
    input: { email: string; displayName?: string; role: string; locale?: Locale },
    status: StaffStatus,
    passwordHash: string | null,
    actor: StaffActor,
  ): Promise<StaffUserRow> {
    const email = (input.email ?? '').trim().toLowerCase();
    const displayName = (input.displayName ?? '').trim() || email.split('@')[0];
    const fields = [];
    if (!isEmail(email) || email.length > 254)
      fields.push({ field: 'email', rule: 'email', message: 'A valid email address' });
    if (displayName.length > 200)
      fields.push({ field: 'displayName', rule: 'maxLength', message: 'At most 200 characters' });
    if (!isRole(input.role)) fields.push({ field: 'role', rule: 'oneOf', message: 'moderator or admin' });
    if (fields.length) throw new ValidationError(fields);
    const rows = await tx.query<StaffUserRow[]>(
      `INSERT INTO staff_user (email, display_name, role, status, password_hash, locale) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [email, displayName, input.role, status, passwordHash, input.locale ?? 'zh-CN'],
    );
    if (!rows[0])
      throw new ConflictError('A staff account with this email exists', [{ field: 'email', rule: 'taken' }]);
    await this.audit.append(tx, {
      ...actor,
      action: 'staff.created',
      subjectType: 'staff_user',
      subjectId: rows[0].id,
      payload: { email, role: input.role, status, locale: rows[0].locale },
    });
    return rows[0];
  }

  /**
   * The sign-in check. Always one argon2 verification (against a dummy hash when there is no such
   * account), and the same error for every failure. After LOCKOUT_AFTER consecutive failures the
   * account is locked for LOCKOUT_MINUTES. The row is locked while checking, so parallel guesses
   * count one by one. Failures are audited with actor 'system' (the caller is not proven to be
   * anyone); a failure for an unknown address names the address's SHA-256, not the address.
   */
  async signIn(emailRaw: string, password: string, ip: string | undefined): Promise<StaffPrincipal> {
    const email = String(emailRaw ?? '')
      .trim()
      .toLowerCase();
    const pw = String(password ?? '');
    const outcome = await this.db.transaction(async (tx) => {
      const rows = await tx.query<
        Array<{
          id: string;
          email: string;
          displayName: string;
          role: StaffRole;
          status: StaffStatus;
          locale: Locale;
          passwordHash: string | null;
          failedLogins: number;
          locked: boolean;
        }>
      >(
        `SELECT id, email, display_name AS "displayName", role, status, locale, password_hash AS "passwordHash",
                failed_logins AS "failedLogins", (locked_until IS NOT NULL AND locked_until > now()) AS locked
           FROM staff_user WHERE lower(email) = $1 FOR UPDATE`,
        [email],
      );
      const user = rows[0];
      const ok = await this.verify(user?.passwordHash ?? null, pw);
      if (!user) {
        await this.audit.append(tx, {
          actorType: 'system',
          action: 'staff.login_failed',
          subjectType: 'staff_email',
          subjectId: sha256(email),
          payload: { reason: 'unknown_account', ip },
        });
        return null;
      }
      const fail = async (reason: string) => {
        await this.audit.append(tx, {
          actorType: 'system',
          action: 'staff.login_failed',
          subjectType: 'staff_user',
          subjectId: user.id,
          payload: { reason, ip },
        });
        return null;
      };
      if (user.status === 'disabled') return fail('disabled');
      if (user.locked) return fail('locked');
      if (!ok) {
        const failures = user.failedLogins + 1;
        if (failures >= LOCKOUT_AFTER) {
          await tx.query(
            `UPDATE staff_user SET failed_logins = 0, locked_until = now() + make_interval(mins => $2), updated_at = now() WHERE id = $1`,
            [user.id, LOCKOUT_MINUTES],
          );
          await this.audit.append(tx, {
            actorType: 'system',
            action: 'staff.login_failed',
            subjectType: 'staff_user',
            subjectId: user.id,
            payload: { reason: 'password', failures, ip },
          });
          await this.audit.append(tx, {
            actorType: 'system',
            action: 'staff.locked',
            subjectType: 'staff_user',
            subjectId: user.id,
            payload: { minutes: LOCKOUT_MINUTES, failures, ip },
          });
          return null;
        }
        await tx.query(`UPDATE staff_user SET failed_logins = $2 WHERE id = $1`, [user.id, failures]);
        await this.audit.append(tx, {
          actorType: 'system',
          action: 'staff.login_failed',
          subjectType: 'staff_user',
          subjectId: user.id,
          payload: { reason: 'password', failures, ip },
        });
        return null;
      }
      await tx.query(
        `UPDATE staff_user SET failed_logins = 0, locked_until = NULL, last_login_at = now(),
           status = CASE WHEN status = 'invited' THEN 'active' ELSE status END, updated_at = now() WHERE id = $1`,
        [user.id],
      );
      await this.audit.append(tx, {
        actorType: user.role,
        actorId: user.id,
        action: 'staff.login',
        subjectType: 'staff_user',
        subjectId: user.id,
        payload: { ip, firstSignIn: user.status === 'invited' },
      });
      return {
        id: user.id,
        email: user.email,
        displayName: user.displayName,
        role: user.role,
        locale: user.locale,
        via: 'session',
      } satisfies StaffPrincipal;
    });
    if (!outcome) throw new SignInFailed();
    return outcome;
  }

  /** Audits a sign-out (the session itself is destroyed by the caller). */
  async recordLogout(principal: StaffPrincipal, reason: 'user' | 'expired' = 'user'): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.audit.append(tx, {
        actorType: principal.role,
        actorId: principal.id,
        action: 'staff.logout',
        subjectType: 'staff_user',
        subjectId: principal.id,
        payload: { reason },
      });
    });
  }

  /** The principal of a session: only an active account counts. One indexed lookup per request. */
  async principalById(id: string, via: StaffPrincipal['via'] = 'session'): Promise<StaffPrincipal | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.query<Array<Omit<StaffPrincipal, 'via'>>>(
      `SELECT id, email, display_name AS "displayName", role, locale FROM staff_user WHERE id = $1 AND status = 'active'`,
      [id],
    );
    return rows[0] ? { ...rows[0], via } : null;
  }

  /** The principal of a personal API token (`nd_…`), by its SHA-256. */
  async principalByToken(token: string): Promise<StaffPrincipal | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const rows = await this.db.query<Array<Omit<StaffPrincipal, 'via'>>>(
      `SELECT id, email, display_name AS "displayName", role, locale FROM staff_user WHERE api_token_hash = $1 AND status = 'active'`,
      [hashToken(token)],
    );
    return rows[0] ? { ...rows[0], via: 'token' } : null;
  }

  /**
   * Issues a personal API token for `userId` (replacing any earlier one); returns it: it is shown
   * once. Only ever called for the token's owner: the self-service routes (actor = the owner,
   * selfActor), `npm run user:token` after checking the owner's password, and tests. No route
   * lets one person obtain another's token; admins may only revoke (revokeToken).
   */
  async issueToken(userId: string, actor: StaffActor): Promise<string> {
    const token = `nd_${randomBytes(32).toString('base64url')}`;
    await this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, userId);
      if (user.status === 'disabled') throw new ConflictError('The account is disabled');
      await tx.query(`UPDATE staff_user SET api_token_hash = $2, updated_at = now() WHERE id = $1`, [
        userId,
        hashToken(token),
      ]);
      await this.audit.append(tx, {
        ...actor,
        action: 'staff.token_issued',
        subjectType: 'staff_user',
        subjectId: userId,
        payload: { email: user.email, replaced: user.hasToken },
      });
    });
    return token;
  }

  /** Drops an account's API token (the owner, or an admin); audit staff.token_revoked. False when there was none. */
  async revokeToken(userId: string, actor: StaffActor): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, userId);
      if (!user.hasToken) return false;
      await tx.query(`UPDATE staff_user SET api_token_hash = NULL, updated_at = now() WHERE id = $1`, [userId]);
      await this.audit.append(tx, {
        ...actor,
        action: 'staff.token_revoked',
        subjectType: 'staff_user',
        subjectId: userId,
        payload: { email: user.email, self: actor.actorId === userId },
      });
      return true;
    });
  }

  /** The account's own password checks out (an active account; no lockout counting, no audit). */
  async passwordMatches(userId: string, password: string): Promise<boolean> {
    if (!isUuid(userId)) return false;
    const rows = await this.db.query<Array<{ passwordHash: string | null }>>(
      `SELECT password_hash AS "passwordHash" FROM staff_user WHERE id = $1 AND status = 'active'`,
      [userId],
    );
    return this.verify(rows[0]?.passwordHash ?? null, String(password ?? ''));
  }

  /**
   * A staff member changes their own password: the current one must match (else 422 on field
   * `current`), the new one follows checkPassword (field `password`). Every other session of the
   * account ends in the same transaction (`keepSessionId`, the caller's own, stays); audit
   * staff.password_changed.
   */
  async changePassword(
    principal: StaffPrincipal,
    current: string,
    next: string,
    keepSessionId: string | null,
  ): Promise<void> {
    const fields = [];
    if (!(await this.passwordMatches(principal.id, current)))
      fields.push({ field: 'current', rule: 'wrong', message: 'The current password is wrong' });
    try {
      checkPassword(next);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      fields.push(...err.fields);
    }
    if (fields.length) throw new ValidationError(fields);
    const hash = await hashPassword(next);
    await this.db.transaction(async (tx) => {
      await this.lockUser(tx, principal.id);
      await tx.query(`UPDATE staff_user SET password_hash = $2, updated_at = now() WHERE id = $1`, [
        principal.id,
        hash,
      ]);
      const ended = await tx.query<[unknown[], number]>(
        `DELETE FROM staff_session WHERE user_id = $1 AND sid IS DISTINCT FROM $2`,
        [principal.id, keepSessionId],
      );
      await this.audit.append(tx, {
        ...selfActor(principal),
        action: 'staff.password_changed',
        subjectType: 'staff_user',
        subjectId: principal.id,
        payload: { otherSessionsEnded: Array.isArray(ended) ? ended[1] : 0 },
      });
    });
  }

  /**
   * A staff member chooses the language of their own mail (and of their pages: the caller sets the
   * lang cookie). 422 on field `locale` for anything but zh-CN or en; audit staff.locale_changed
   * when it changes. Returns the locale now stored.
   */
  async setLocale(principal: StaffPrincipal, locale: unknown): Promise<Locale> {
    if (!isLocale(locale)) throw new ValidationError([{ field: 'locale', rule: 'oneOf', message: "'zh-CN' or 'en'" }]);
    await this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, principal.id);
      if (user.locale === locale) return;
      await tx.query(`UPDATE staff_user SET locale = $2, updated_at = now() WHERE id = $1`, [principal.id, locale]);
      await this.audit.append(tx, {
        ...selfActor(principal),
        action: 'staff.locale_changed',
        subjectType: 'staff_user',
        subjectId: principal.id,
        payload: { from: user.locale, to: locale },
      });
    });
    return locale;
  }

  /** Disables an account, drops its API token and ends every session of it, in one transaction. */
  async disable(userId: string, actor: StaffActor): Promise<void> {
    if (actor.actorId === userId) throw new DomainError(ErrorCode.FORBIDDEN, 'You cannot disable your own account');
    await this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, userId);
      await tx.query(
        `UPDATE staff_user SET status = 'disabled', api_token_hash = NULL, updated_at = now() WHERE id = $1`,
        [userId],
      );
      // An unused invitation of a disabled account is worthless from now on.
      await tx.query(
        `UPDATE staff_invitation SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`,
        [userId],
      );
      const ended = await tx.query<[unknown[], number]>(`DELETE FROM staff_session WHERE user_id = $1`, [userId]);
      await this.audit.append(tx, {
        ...actor,
        action: 'staff.disabled',
        subjectType: 'staff_user',
        subjectId: userId,
        payload: { email: user.email, previousStatus: user.status, sessionsEnded: Array.isArray(ended) ? ended[1] : 0 },
      });
    });
  }

  /** Re-enables a disabled account (no token: issue a new one). */
  async enable(userId: string, actor: StaffActor): Promise<void> {
    await this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, userId);
      if (user.status !== 'disabled') return;
      // An account that never chose a password goes back to 'invited' (send it a new invitation).
      await tx.query(
        `UPDATE staff_user SET status = CASE WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END, failed_logins = 0, locked_until = NULL, updated_at = now() WHERE id = $1`,
        [userId],
      );
      await this.audit.append(tx, {
        ...actor,
        action: 'staff.enabled',
        subjectType: 'staff_user',
        subjectId: userId,
        payload: { email: user.email },
      });
    });
  }

  async changeRole(userId: string, role: string, actor: StaffActor): Promise<void> {
    if (!isRole(role)) throw new ValidationError([{ field: 'role', rule: 'oneOf', message: 'moderator or admin' }]);
    if (actor.actorId === userId) throw new DomainError(ErrorCode.FORBIDDEN, 'You cannot change your own role');
    await this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, userId);
      if (user.role === role) return;
      await tx.query(`UPDATE staff_user SET role = $2, updated_at = now() WHERE id = $1`, [userId, role]);
      await this.audit.append(tx, {
        ...actor,
        action: 'staff.role_changed',
        subjectType: 'staff_user',
        subjectId: userId,
        payload: { email: user.email, from: user.role, to: role },
      });
    });
  }

  private async lockUser(tx: EntityManager, userId: string): Promise<StaffUserRow> {
    if (!isUuid(userId)) throw new NotFoundError('No such staff account');
    const rows = await tx.query<StaffUserRow[]>(`SELECT ${COLUMNS} FROM staff_user WHERE id = $1 FOR UPDATE`, [userId]);
    if (!rows[0]) throw new NotFoundError('No such staff account');
    return rows[0];
  }

  /** argon2 verify; against a dummy hash when there is no hash, so timing does not tell. */
  private async verify(hash: string | null, password: string): Promise<boolean> {
    this.dummyHash ??= argon2.hash(randomBytes(16).toString('hex'), HASH_OPTIONS);
    const target = hash ?? (await this.dummyHash);
    try {
      const ok = await argon2.verify(target, password);
      return ok && hash !== null;
    } catch (err) {
      this.logger.warn(`password hash check failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }
}

export function isRole(role: unknown): role is StaffRole {
  return typeof role === 'string' && (STAFF_ROLES as readonly string[]).includes(role);
}

export function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > 1024) {
    throw new ValidationError([
      { field: 'password', rule: 'minLength', message: `At least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
}

function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
