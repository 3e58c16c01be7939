import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mail to the contact address (issue 9): each inbound message once (by Message-ID, else by the
 * SHA-256 of its raw source), what it was classified as, where it was filed, and the raw .eml's
 * storage key and hash (kept as evidence outside any served folder). Outgoing mail gains
 * threading headers (a reply sets In-Reply-To/References) and the bounce that reached it.
 */
export class InboxMessages1765800000000 implements MigrationInterface {
  name = 'InboxMessages1765800000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE inbox_reference_seq`);
    await q.query(`
      CREATE TABLE inbox_message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference text NOT NULL UNIQUE,
        message_id text,
        raw_sha256 text NOT NULL,
        raw_key text NOT NULL,
        raw_size integer NOT NULL,
        source text NOT NULL CONSTRAINT inbox_message_source_check CHECK (source IN ('smtp', 'imap')),
        received_at timestamptz NOT NULL DEFAULT now(),
        from_address text,
        from_name text,
        subject text,
        in_reply_to text,
        thread_ids text[] NOT NULL DEFAULT '{}',
        text_body text NOT NULL DEFAULT '',
        html_body text,
        locale text NOT NULL CONSTRAINT inbox_message_locale_check CHECK (locale IN ('zh-CN', 'en')),
        kind text NOT NULL
          CONSTRAINT inbox_message_kind_check CHECK (kind IN ('new', 'reply', 'auto_reply', 'bounce', 'own', 'unauthenticated')),
        status text NOT NULL DEFAULT 'unfiled'
          CONSTRAINT inbox_message_status_check CHECK (status IN ('unfiled', 'filed', 'dismissed', 'ignored')),
        complaint_id uuid CONSTRAINT inbox_message_complaint_fk REFERENCES complaint (id) ON DELETE SET NULL,
        article_links jsonb NOT NULL DEFAULT '[]',
        attachments jsonb NOT NULL DEFAULT '[]',
        refused jsonb NOT NULL DEFAULT '[]',
        ack_message_id text,
        handled_by uuid CONSTRAINT inbox_message_handled_by_fk REFERENCES staff_user (id) ON DELETE SET NULL,
        handled_at timestamptz,
        handled_reason text
      )`);
    await q.query(
      `CREATE UNIQUE INDEX inbox_message_message_id_key ON inbox_message (message_id) WHERE message_id IS NOT NULL`,
    );
    await q.query(`CREATE UNIQUE INDEX inbox_message_raw_sha256_key ON inbox_message (raw_sha256)`);
    await q.query(`CREATE INDEX inbox_message_unfiled_idx ON inbox_message (received_at) WHERE status = 'unfiled'`);
    await q.query(`CREATE INDEX inbox_message_sender_idx ON inbox_message (lower(from_address), received_at)`);
    await q.query(`CREATE INDEX inbox_message_complaint_idx ON inbox_message (complaint_id)`);
    await q.query(`ALTER TABLE mail_job ADD COLUMN in_reply_to text`);
    await q.query(`ALTER TABLE mail_job ADD COLUMN reply_references text`);
    await q.query(`ALTER TABLE mail_job ADD COLUMN bounced_at timestamptz`);
    await q.query(`ALTER TABLE mail_job ADD COLUMN bounce_reason text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mail_job DROP COLUMN bounce_reason`);
    await q.query(`ALTER TABLE mail_job DROP COLUMN bounced_at`);
    await q.query(`ALTER TABLE mail_job DROP COLUMN reply_references`);
    await q.query(`ALTER TABLE mail_job DROP COLUMN in_reply_to`);
    await q.query(`DROP TABLE inbox_message`);
    await q.query(`DROP SEQUENCE inbox_reference_seq`);
  }
}
