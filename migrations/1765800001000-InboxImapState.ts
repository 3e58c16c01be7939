import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the IMAP poller is in each mailbox: UIDVALIDITY and the last UID filed. The row is also
 * the poller's claim (SELECT … FOR UPDATE SKIP LOCKED), so two instances never read one mailbox
 * at once; a message read twice anyway (a crash before the row commits) is filed once by its
 * Message-ID and hash.
 */
export class InboxImapState1765800001000 implements MigrationInterface {
  name = 'InboxImapState1765800001000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbox_imap_state (
        mailbox text PRIMARY KEY,
        uid_validity bigint NOT NULL,
        last_uid bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbox_imap_state`);
  }
}
