import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * staff_user.locale: the language a staff member reads, for every mail the desk sends them
 * (deadline digests, integrity digests, case notices, invitations) and set on /staff/account.
 * Until now all staff mail went out in Chinese. Accounts still waiting on an invitation take the
 * language of their latest invitation mail (the language they were invited in); everyone else keeps
 * zh-CN and chooses on /staff/account: an accepted invitation was written in the inviting admin's
 * page language, which says nothing about what its reader prefers.
 */
export class StaffLocale1766910000000 implements MigrationInterface {
  name = 'StaffLocale1766910000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_user ADD COLUMN locale text NOT NULL DEFAULT 'zh-CN'`);
    await q.query(`ALTER TABLE staff_user ADD CONSTRAINT staff_user_locale_check CHECK (locale IN ('zh-CN', 'en'))`);
    // By address, not payload: early invitation jobs carried no invitation id; an invitation only
    // ever goes to its account's own (lower-case, unique) address.
    await q.query(`
      UPDATE staff_user u SET locale = last.locale
        FROM (SELECT DISTINCT ON (lower(m.to_address)) lower(m.to_address) AS email, m.locale
                FROM mail_job m
               WHERE m.template = 'staff-invitation'
               ORDER BY lower(m.to_address), m.created_at DESC) last
       WHERE last.email = lower(u.email) AND u.status = 'invited'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_user DROP COLUMN locale`);
  }
}
