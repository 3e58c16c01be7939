import { MigrationInterface, QueryRunner } from 'typeorm';

const LINK_KEYS = ['trackingUrl', 'answerUrl', 'responseUrl'];

/**
 * Private links stay private, and duplicates tell the truth (issue 6):
 *
 * - access_link: every tracking or response token handed out after intake, as SHA-256 only,
 *   per party (and, for a content owner, per owner address). The single owner_token_hash of a
 *   case (one link shared by every owner) moves here, with no owner: it keeps showing the whole
 *   case, as it did when it was sent.
 * - mail_job keeps no link: the worker mints one at send time. Clear links already queued or
 *   sent are erased here, and a CHECK keeps them out.
 * - intake_replay: the clear tracking token of a filing with an Idempotency-Key, for the replay
 *   window only (IDEMPOTENCY_REPLAY_HOURS); a sweeper deletes it after.
 * - complaint_link: a new filing names the same person's earlier cases about the same article.
 * - complaint_duplicate_of_idx: the duplicates joined to a case (case page, queue count); rows
 *   marked duplicate without a case (none today; the queue bench makes many) stay out of it.
 * - complaint_email_idx replaces complaint_open_by_email_idx: intake now also looks up decided
 *   and closed cases of the same address (to link them).
 */
export class PrivateLinksAndRelatedCases1764700000000 implements MigrationInterface {
  name = 'PrivateLinksAndRelatedCases1764700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access_link (
        token_hash text PRIMARY KEY,
        complaint_id uuid NOT NULL CONSTRAINT access_link_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        party text NOT NULL CONSTRAINT access_link_party_check CHECK (party IN ('complainant', 'content_owner')),
        owner_email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz
      )`);
    await q.query(`CREATE INDEX access_link_complaint_idx ON access_link (complaint_id)`);
    await q.query(
      `INSERT INTO access_link (token_hash, complaint_id, party)
       SELECT owner_token_hash, id, 'content_owner' FROM complaint WHERE owner_token_hash IS NOT NULL`,
    );
    await q.query(`DROP INDEX complaint_owner_token_key`);
    await q.query(`ALTER TABLE complaint DROP COLUMN owner_token_hash`);

    await q.query(`
      CREATE TABLE intake_replay (
        complaint_id uuid PRIMARY KEY CONSTRAINT intake_replay_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        tracking_token text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX intake_replay_expires_idx ON intake_replay (expires_at)`);
    await q.query(`
      INSERT INTO intake_replay (complaint_id, tracking_token, expires_at)
      SELECT c.id, split_part(m.payload->>'trackingUrl', '/track/', 2), c.received_at + interval '24 hours'
        FROM complaint c JOIN mail_job m ON m.complaint_id = c.id AND m.template = 'complaint-receipt'
       WHERE c.idempotency_key IS NOT NULL AND c.received_at > now() - interval '24 hours'
         AND m.payload->>'trackingUrl' LIKE '%/track/%'
      ON CONFLICT DO NOTHING`);
    for (const key of LINK_KEYS) {
      await q.query(`UPDATE mail_job SET payload = jsonb_set(payload, '{${key}}', 'null') WHERE payload ? '${key}'`);
    }
    await q.query(
      `ALTER TABLE mail_job ADD CONSTRAINT mail_job_no_link_check CHECK (${LINK_KEYS.map((k) => `payload->>'${k}' IS NULL`).join(' AND ')})`,
    );

    await q.query(`
      CREATE TABLE complaint_link (
        complaint_id uuid NOT NULL CONSTRAINT complaint_link_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        related_id uuid NOT NULL CONSTRAINT complaint_link_related_fk REFERENCES complaint (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT complaint_link_pkey PRIMARY KEY (complaint_id, related_id)
      )`);
    await q.query(`CREATE INDEX complaint_link_related_idx ON complaint_link (related_id)`);
    await q.query(
      `CREATE INDEX complaint_duplicate_of_idx ON complaint (duplicate_of) WHERE state = 'duplicate' AND duplicate_of IS NOT NULL`,
    );
    await q.query(`DROP INDEX complaint_open_by_email_idx`);
    await q.query(`CREATE INDEX complaint_email_idx ON complaint (complainant_email)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX complaint_email_idx`);
    await q.query(
      `CREATE INDEX complaint_open_by_email_idx ON complaint (complainant_email)
         WHERE state NOT IN ('duplicate', 'not_processed', 'withdrawn', 'closed')`,
    );
    await q.query(`DROP INDEX complaint_duplicate_of_idx`);
    await q.query(`DROP TABLE complaint_link`);
    await q.query(`ALTER TABLE mail_job DROP CONSTRAINT mail_job_no_link_check`);
    await q.query(`DROP TABLE intake_replay`);
    await q.query(`ALTER TABLE complaint ADD COLUMN owner_token_hash text`);
    await q.query(
      `CREATE UNIQUE INDEX complaint_owner_token_key ON complaint (owner_token_hash) WHERE owner_token_hash IS NOT NULL`,
    );
    // Only the links that were one per case can go back; per-owner and re-issued links are lost.
    await q.query(
      `UPDATE complaint c SET owner_token_hash = l.token_hash FROM access_link l
        WHERE l.complaint_id = c.id AND l.party = 'content_owner' AND l.owner_email IS NULL`,
    );
    await q.query(`DROP TABLE access_link`);
  }
}
