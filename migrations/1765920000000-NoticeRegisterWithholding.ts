import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Public notice register: an admin may withhold a case's entry with a reason. One row per withheld
 * case; /notices/<reference> then answers a neutral "withheld" page. The reason is for the audit
 * trail and staff, never shown publicly.
 */
export class NoticeRegisterWithholding1765920000000 implements MigrationInterface {
  name = 'NoticeRegisterWithholding1765920000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notice_withholding (
        complaint_id uuid PRIMARY KEY,
        reason text NOT NULL,
        withheld_by uuid,
        withheld_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notice_withholding_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint(id) ON DELETE CASCADE,
        CONSTRAINT notice_withholding_withheld_by_fk FOREIGN KEY (withheld_by) REFERENCES staff_user(id) ON DELETE SET NULL
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notice_withholding`);
  }
}
