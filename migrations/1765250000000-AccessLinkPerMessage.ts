import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each private link remembers the mail that carried it, so a resend of that mail (after a lost
 * reply or a retry) replaces the earlier attempt's link instead of adding another live one.
 */
export class AccessLinkPerMessage1765250000000 implements MigrationInterface {
  name = 'AccessLinkPerMessage1765250000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_link ADD COLUMN mail_job_id uuid`);
    await q.query(`CREATE INDEX access_link_mail_job_idx ON access_link (mail_job_id) WHERE mail_job_id IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX access_link_mail_job_idx`);
    await q.query(`ALTER TABLE access_link DROP COLUMN mail_job_id`);
  }
}
