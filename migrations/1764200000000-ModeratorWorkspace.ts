import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The moderator workspace: staff accounts and their sessions, case assignment and due times,
 * the article as it was at intake, remedies per item, notes, the complainant's answers,
 * reply templates, article corrections, newsroom tasks and the CMS webhook outbox.
 */
export class ModeratorWorkspace1764200000000 implements MigrationInterface {
  name = 'ModeratorWorkspace1764200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE TABLE staff_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL CONSTRAINT staff_user_role_check CHECK (role IN ('moderator', 'admin')),
        status text NOT NULL DEFAULT 'active' CONSTRAINT staff_user_status_check CHECK (status IN ('invited', 'active', 'disabled')),
        password_hash text,
        api_token_hash text,
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX staff_user_email_key ON staff_user (lower(email))`);
    await q.query(
      `CREATE UNIQUE INDEX staff_user_api_token_key ON staff_user (api_token_hash) WHERE api_token_hash IS NOT NULL`,
    );
    // connect-pg-simple's schema, plus the user id as a column so disabling a user can end
    // every session of theirs with one indexed DELETE.
    await q.query(`
      CREATE TABLE staff_session (
        sid varchar NOT NULL PRIMARY KEY,
        sess json NOT NULL,
        expire timestamp(6) NOT NULL,
        user_id uuid GENERATED ALWAYS AS (((sess ->> 'userId'))::uuid) STORED
      )`);
    await q.query(`CREATE INDEX staff_session_expire_idx ON staff_session (expire)`);
    await q.query(`CREATE INDEX staff_session_user_idx ON staff_session (user_id)`);

    await q.query(`ALTER TABLE complaint
      ADD COLUMN assignee_id uuid CONSTRAINT complaint_assignee_fk REFERENCES staff_user (id) ON DELETE SET NULL,
      ADD COLUMN due_at timestamptz,
      ADD COLUMN article_title text NOT NULL DEFAULT '',
      ADD COLUMN decided_by uuid CONSTRAINT complaint_decided_by_fk REFERENCES staff_user (id) ON DELETE SET NULL,
      ADD COLUMN escalated_by uuid CONSTRAINT complaint_escalated_by_fk REFERENCES staff_user (id) ON DELETE SET NULL,
      ADD COLUMN proposed_remedies jsonb,
      ADD COLUMN decision_reason text,
      ADD COLUMN info_request jsonb,
      ADD COLUMN owner_token_hash text`);
    await q.query(`UPDATE complaint c SET due_at = c.received_at + interval '24 hours',
      article_title = coalesce((SELECT a.title FROM complaint_item i JOIN article a ON a.id = i.article_id
                                WHERE i.complaint_id = c.id ORDER BY i.position LIMIT 1), '')`);
    await q.query(
      `CREATE UNIQUE INDEX complaint_owner_token_key ON complaint (owner_token_hash) WHERE owner_token_hash IS NOT NULL`,
    );
    // The queue: open cases by due time (keyset on (due_at, id)), per assignee, and text search.
    await q.query(`CREATE INDEX complaint_queue_idx ON complaint (due_at, id)
      WHERE state IN ('received', 'in_review', 'needs_info', 'escalated', 'counter_notice_review', 'appeal_review')`);
    await q.query(`CREATE INDEX complaint_queue_assignee_idx ON complaint (assignee_id, due_at, id)
      WHERE state IN ('received', 'in_review', 'needs_info', 'escalated', 'counter_notice_review', 'appeal_review')`);
    await q.query(`CREATE INDEX complaint_state_idx ON complaint (state)`);
    await q.query(`CREATE INDEX complaint_search_idx ON complaint USING gin
      ((reference || ' ' || (complainant ->> 'name') || ' ' || complainant_email || ' ' || article_title) gin_trgm_ops)`);

    await q.query(`ALTER TABLE complaint_item
      ADD COLUMN remedy text CONSTRAINT complaint_item_remedy_check CHECK (remedy IN (
        'remove_article', 'remove_image', 'edit_passage', 'add_correction', 'add_attribution', 'no_action')),
      ADD COLUMN remedy_applied_at timestamptz`);

    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(`ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check
      CHECK (purpose IN ('evidence', 'authorisation', 'response'))`);

    await q.query(`
      CREATE TABLE article_snapshot (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL CONSTRAINT article_snapshot_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        article_id uuid NOT NULL CONSTRAINT article_snapshot_article_fk REFERENCES article (id) ON DELETE RESTRICT,
        title text NOT NULL,
        body text NOT NULL,
        images jsonb NOT NULL,
        sha256 text NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT article_snapshot_key UNIQUE (complaint_id, article_id)
      )`);
    await q.query(`
      CREATE TABLE complaint_note (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL CONSTRAINT complaint_note_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        author_id uuid NOT NULL CONSTRAINT complaint_note_author_fk REFERENCES staff_user (id) ON DELETE RESTRICT,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX complaint_note_complaint_idx ON complaint_note (complaint_id, created_at)`);
    await q.query(`
      CREATE TABLE complaint_response (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL CONSTRAINT complaint_response_complaint_fk REFERENCES complaint (id) ON DELETE CASCADE,
        author text NOT NULL CONSTRAINT complaint_response_author_check CHECK (author IN ('complainant', 'content_owner')),
        body text NOT NULL,
        file_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX complaint_response_complaint_idx ON complaint_response (complaint_id, created_at)`);
    await q.query(`
      CREATE TABLE reply_template (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        legal_basis text CONSTRAINT reply_template_basis_check CHECK (legal_basis IN (
          'cn-copyright', 'cn-personal-rights', 'us-dmca', 'eu-dsa', 'accuracy')),
        locale text NOT NULL CONSTRAINT reply_template_locale_check CHECK (locale IN ('zh-CN', 'en')),
        body text NOT NULL,
        updated_by uuid CONSTRAINT reply_template_updated_by_fk REFERENCES staff_user (id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE article_correction (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        article_id uuid NOT NULL CONSTRAINT article_correction_article_fk REFERENCES article (id) ON DELETE CASCADE,
        complaint_id uuid NOT NULL CONSTRAINT article_correction_complaint_fk REFERENCES complaint (id) ON DELETE RESTRICT,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz
      )`);
    await q.query(`CREATE INDEX article_correction_article_idx ON article_correction (article_id)`);
    await q.query(`
      CREATE TABLE newsroom_task (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        article_id uuid NOT NULL CONSTRAINT newsroom_task_article_fk REFERENCES article (id) ON DELETE CASCADE,
        complaint_id uuid NOT NULL CONSTRAINT newsroom_task_complaint_fk REFERENCES complaint (id) ON DELETE RESTRICT,
        kind text NOT NULL CONSTRAINT newsroom_task_kind_check CHECK (kind IN ('edit_passage', 'add_attribution')),
        detail text NOT NULL,
        status text NOT NULL DEFAULT 'open' CONSTRAINT newsroom_task_status_check CHECK (status IN ('open', 'done', 'cancelled')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE article
      ADD COLUMN removed_by uuid CONSTRAINT article_removed_by_fk REFERENCES complaint (id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE article_image
      ADD COLUMN removed_by uuid CONSTRAINT article_image_removed_by_fk REFERENCES complaint (id) ON DELETE SET NULL`);
    await q.query(`
      CREATE TABLE webhook_job (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_job_state_check CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX webhook_job_due_idx ON webhook_job (next_attempt_at) WHERE state IN ('pending', 'sending')`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_job`);
    await q.query(`ALTER TABLE article_image DROP COLUMN removed_by`);
    await q.query(`ALTER TABLE article DROP COLUMN removed_by`);
    await q.query(`DROP TABLE newsroom_task`);
    await q.query(`DROP TABLE article_correction`);
    await q.query(`DROP TABLE reply_template`);
    await q.query(`DROP TABLE complaint_response`);
    await q.query(`DROP TABLE complaint_note`);
    await q.query(`DROP TABLE article_snapshot`);
    await q.query(`DELETE FROM evidence_file WHERE purpose = 'response'`);
    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(
      `ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check CHECK (purpose IN ('evidence', 'authorisation'))`,
    );
    await q.query(`ALTER TABLE complaint_item DROP COLUMN remedy_applied_at, DROP COLUMN remedy`);
    await q.query(`DROP INDEX complaint_search_idx`);
    await q.query(`DROP INDEX complaint_state_idx`);
    await q.query(`DROP INDEX complaint_queue_assignee_idx`);
    await q.query(`DROP INDEX complaint_queue_idx`);
    await q.query(`DROP INDEX complaint_owner_token_key`);
    await q.query(`ALTER TABLE complaint DROP COLUMN owner_token_hash, DROP COLUMN info_request, DROP COLUMN decision_reason,
      DROP COLUMN proposed_remedies, DROP COLUMN escalated_by, DROP COLUMN decided_by, DROP COLUMN article_title,
      DROP COLUMN due_at, DROP COLUMN assignee_id`);
    await q.query(`DROP TABLE staff_session`);
    await q.query(`DROP TABLE staff_user`);
  }
}
