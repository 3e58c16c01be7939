import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The intake schema: catalogue, complaints with items and files, the append-only audit trail
 * with its seals, the mail outbox, the local mailbox and the rate-limit counters.
 * States are text + CHECK (not enums) so later migrations can widen them in one statement.
 */
export class Intake1764000000000 implements MigrationInterface {
  name = 'Intake1764000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE article (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        url text NOT NULL UNIQUE,
        title text NOT NULL,
        body text NOT NULL,
        published_at timestamptz NOT NULL,
        owner_name text NOT NULL,
        owner_email text NOT NULL,
        status text NOT NULL DEFAULT 'published'
          CONSTRAINT article_status_check CHECK (status IN ('published', 'removed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX article_published_at_idx ON article (published_at DESC)`);
    await q.query(`
      CREATE TABLE article_image (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        article_id uuid NOT NULL CONSTRAINT article_image_article_fk REFERENCES article (id) ON DELETE CASCADE,
        position integer NOT NULL,
        caption text NOT NULL,
        content_type text NOT NULL,
        data bytea NOT NULL,
        sha256 text NOT NULL,
        status text NOT NULL DEFAULT 'visible'
          CONSTRAINT article_image_status_check CHECK (status IN ('visible', 'removed')),
        CONSTRAINT article_image_position_key UNIQUE (article_id, position)
      )`);

    await q.query(`CREATE SEQUENCE complaint_reference_seq`);
    await q.query(`
      CREATE TABLE complaint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference text NOT NULL UNIQUE,
        state text NOT NULL DEFAULT 'received'
          CONSTRAINT complaint_state_check CHECK (state IN (
            'received', 'in_review', 'needs_info', 'escalated', 'actioned', 'rejected',
            'duplicate', 'not_processed', 'counter_notice_review', 'restoration_pending',
            'litigation_hold', 'restored', 'appeal_review', 'withdrawn', 'closed')),
        version integer NOT NULL DEFAULT 1,
        legal_basis text NOT NULL
          CONSTRAINT complaint_legal_basis_check CHECK (legal_basis IN (
            'cn-copyright', 'cn-personal-rights', 'us-dmca', 'eu-dsa', 'accuracy')),
        locale text NOT NULL CONSTRAINT complaint_locale_check CHECK (locale IN ('zh-CN', 'en')),
        complainant jsonb NOT NULL,
        complainant_email text NOT NULL,
        original_work jsonb,
        explanation text NOT NULL,
        declarations jsonb NOT NULL,
        tracking_token_hash text NOT NULL UNIQUE,
        duplicate_of uuid CONSTRAINT complaint_duplicate_of_fk REFERENCES complaint (id) ON DELETE RESTRICT,
        idempotency_key text UNIQUE,
        request_hash text,
        received_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Duplicate detection looks up open cases of one complainant.
    await q.query(
      `CREATE INDEX complaint_open_by_email_idx ON complaint (complainant_email)
         WHERE state NOT IN ('duplicate', 'not_processed', 'withdrawn', 'closed')`,
    );
    await q.query(`CREATE INDEX complaint_received_at_idx ON complaint (received_at)`);
    await q.query(`
      CREATE TABLE complaint_item (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL CONSTRAINT complaint_item_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        position integer NOT NULL,
        kind text NOT NULL CONSTRAINT complaint_item_kind_check CHECK (kind IN ('article', 'image', 'passage')),
        article_id uuid NOT NULL CONSTRAINT complaint_item_article_fk REFERENCES article (id) ON DELETE RESTRICT,
        image_id uuid CONSTRAINT complaint_item_image_fk REFERENCES article_image (id) ON DELETE RESTRICT,
        article_url text NOT NULL,
        detail text,
        CONSTRAINT complaint_item_position_key UNIQUE (complaint_id, position)
      )`);
    await q.query(`CREATE INDEX complaint_item_article_idx ON complaint_item (article_id)`);
    await q.query(`
      CREATE TABLE evidence_file (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL CONSTRAINT evidence_file_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        purpose text NOT NULL CONSTRAINT evidence_file_purpose_check CHECK (purpose IN ('evidence', 'authorisation')),
        original_name text NOT NULL,
        content_type text NOT NULL,
        size_bytes integer NOT NULL CONSTRAINT evidence_file_size_check CHECK (size_bytes > 0),
        sha256 text NOT NULL,
        storage_key text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX evidence_file_complaint_idx ON evidence_file (complaint_id)`);

    // The audit trail. xid records the writing transaction so the sealer can tell which
    // events are surely committed (xid below every running transaction) without a global lock.
    await q.query(`
      CREATE FUNCTION audit_current_xid() RETURNS bigint LANGUAGE sql VOLATILE
        AS $$ SELECT pg_current_xact_id()::text::bigint $$`);
    await q.query(`
      CREATE TABLE audit_event (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        xid bigint NOT NULL DEFAULT audit_current_xid(),
        actor_type text NOT NULL CONSTRAINT audit_event_actor_type_check CHECK (actor_type IN (
          'complainant', 'content_owner', 'moderator', 'admin', 'system', 'cms')),
        actor_id text,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_event_subject_idx ON audit_event (subject_type, subject_id, id)`);
    await q.query(`
      CREATE TABLE audit_seal (
        id bigserial PRIMARY KEY,
        event_ids bigint[] NOT NULL,
        low_water bigint NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL UNIQUE,
        sealed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['audit_event', 'audit_seal']) {
      await q.query(`CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
    }

    // The mail outbox: rows are inserted in the transaction of the change that causes them
    // and claimed by workers with FOR UPDATE SKIP LOCKED.
    await q.query(`
      CREATE TABLE mail_job (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        template text NOT NULL,
        locale text NOT NULL CONSTRAINT mail_job_locale_check CHECK (locale IN ('zh-CN', 'en')),
        to_address text NOT NULL,
        message_id text NOT NULL UNIQUE,
        payload jsonb NOT NULL,
        complaint_id uuid CONSTRAINT mail_job_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        state text NOT NULL DEFAULT 'pending'
          CONSTRAINT mail_job_state_check CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mail_job_due_idx ON mail_job (next_attempt_at) WHERE state IN ('pending', 'sending')`);
    await q.query(`CREATE INDEX mail_job_complaint_idx ON mail_job (complaint_id)`);

    // What the in-process SMTP server received (only used when SMTP_URL is unset).
    await q.query(`
      CREATE TABLE mailbox_message (
        id bigserial PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        envelope_from text,
        envelope_to text[] NOT NULL,
        subject text,
        message_id text,
        raw text NOT NULL
      )`);

    // Counters for rate-limiter-flexible's Postgres store (its own schema, created here).
    await q.query(`
      CREATE TABLE rate_limit (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit`);
    await q.query(`DROP TABLE mailbox_message`);
    await q.query(`DROP TABLE mail_job`);
    await q.query(`DROP TABLE audit_seal`);
    await q.query(`DROP TABLE audit_event`);
    await q.query(`DROP FUNCTION audit_refuse_change()`);
    await q.query(`DROP FUNCTION audit_current_xid()`);
    await q.query(`DROP TABLE evidence_file`);
    await q.query(`DROP TABLE complaint_item`);
    await q.query(`DROP TABLE complaint`);
    await q.query(`DROP SEQUENCE complaint_reference_seq`);
    await q.query(`DROP TABLE article_image`);
    await q.query(`DROP TABLE article`);
  }
}
