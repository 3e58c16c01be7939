import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff invitation links join the other private links: minted by the mail worker at send time
 * (payload key `invitationUrl`), never stored. Links already queued in clear under `link` are
 * erased; those invitations are resent from /staff/users.
 */
export class InvitationLinkAtSend1765100000000 implements MigrationInterface {
  name = 'InvitationLinkAtSend1765100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE mail_job SET payload = payload - 'link' WHERE template = 'staff-invitation'`);
    await q.query(`ALTER TABLE mail_job DROP CONSTRAINT mail_job_no_link_check`);
    await q.query(
      `ALTER TABLE mail_job ADD CONSTRAINT mail_job_no_link_check CHECK (payload->>'trackingUrl' IS NULL AND payload->>'answerUrl' IS NULL AND payload->>'responseUrl' IS NULL AND payload->>'invitationUrl' IS NULL AND payload->>'link' IS NULL)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mail_job DROP CONSTRAINT mail_job_no_link_check`);
    await q.query(
      `ALTER TABLE mail_job ADD CONSTRAINT mail_job_no_link_check CHECK (payload->>'trackingUrl' IS NULL AND payload->>'answerUrl' IS NULL AND payload->>'responseUrl' IS NULL)`,
    );
  }
}
