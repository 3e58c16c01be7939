import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7, intake and the public face:
 * - evidence_file.purpose 'identity': the proof of identity a personal-rights notice carries
 *   (民法典 Art. 1195), seen by staff only;
 * - complaint.requester_category: who asked, as a category the 451 page may show (rights holder,
 *   their agent, a person concerned), backfilled from what intake recorded;
 * - complaint.renotice_barred_by: the earlier restored cn-copyright case that bars this filing
 *   (条例 Art. 17); a moderator rejects it;
 * - article.owner_locale: the content owner's language for their mail.
 */
export class IdentityRenoticeOwnerLocale1765600000000 implements MigrationInterface {
  name = 'IdentityRenoticeOwnerLocale1765600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(`ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check
      CHECK (purpose IN ('evidence', 'authorisation', 'response', 'counter_notice', 'litigation', 'appeal', 'identity'))`);

    await q.query(`ALTER TABLE complaint ADD COLUMN requester_category text NOT NULL DEFAULT 'rights_holder'`);
    await q.query(`ALTER TABLE complaint ADD CONSTRAINT complaint_requester_category_check
      CHECK (requester_category IN ('rights_holder', 'agent', 'person_concerned'))`);
    // The same mapping intake applies when the filer names no category.
    await q.query(`UPDATE complaint SET requester_category = CASE
        WHEN coalesce(btrim(complainant ->> 'actingFor'), '') <> '' THEN 'agent'
        WHEN legal_basis IN ('cn-personal-rights', 'accuracy') THEN 'person_concerned'
        ELSE 'rights_holder' END`);

    await q.query(`ALTER TABLE complaint ADD COLUMN renotice_barred_by uuid`);
    await q.query(`ALTER TABLE complaint ADD CONSTRAINT complaint_renotice_barred_by_fk
      FOREIGN KEY (renotice_barred_by) REFERENCES complaint (id) ON DELETE RESTRICT`);
    await q.query(
      `CREATE INDEX complaint_renotice_barred_by_idx ON complaint (renotice_barred_by) WHERE renotice_barred_by IS NOT NULL`,
    );

    await q.query(`ALTER TABLE article ADD COLUMN owner_locale text NOT NULL DEFAULT 'zh-CN'`);
    await q.query(
      `ALTER TABLE article ADD CONSTRAINT article_owner_locale_check CHECK (owner_locale IN ('zh-CN', 'en'))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE article DROP COLUMN owner_locale`);
    await q.query(`DROP INDEX complaint_renotice_barred_by_idx`);
    await q.query(`ALTER TABLE complaint DROP COLUMN renotice_barred_by`);
    await q.query(`ALTER TABLE complaint DROP COLUMN requester_category`);
    await q.query(`DELETE FROM evidence_file WHERE purpose = 'identity'`);
    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(`ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check
      CHECK (purpose IN ('evidence', 'authorisation', 'response', 'counter_notice', 'litigation', 'appeal'))`);
  }
}
