import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Locale } from '../complaints/legal-basis';

export type StaffRole = 'moderator' | 'admin';
export type StaffStatus = 'invited' | 'active' | 'disabled';

@Entity('staff_user')
@Check('staff_user_role_check', `role IN ('moderator', 'admin')`)
@Check('staff_user_status_check', `status IN ('invited', 'active', 'disabled')`)
@Check('staff_user_locale_check', `locale IN ('zh-CN', 'en')`)
@Index('staff_user_email_key', { synchronize: false })
@Index('staff_user_api_token_key', { synchronize: false })
export class StaffUser {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ type: 'text' })
  role: StaffRole;

  @Column({ type: 'text', default: 'active' })
  status: StaffStatus;

  /** The language of every mail to this person; they choose it on /staff/account. */
  @Column({ type: 'text', default: 'zh-CN' })
  locale: Locale;

  @Column({ name: 'password_hash', type: 'text', nullable: true, select: false })
  passwordHash?: string | null;

  @Column({ name: 'api_token_hash', type: 'text', nullable: true, select: false })
  apiTokenHash?: string | null;

  @Column({ name: 'failed_logins', type: 'integer', default: 0 })
  failedLogins: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
