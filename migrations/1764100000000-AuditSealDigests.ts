import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the audit sealer needs beyond the intake schema: per-event digests in each seal (so the
 * verifier can name the event that was edited), a unique prev_hash (the chain cannot fork), and
 * an index on each seal's last (= largest) event id, to find the seals above a low-water mark.
 * No sealer ran before this migration, so audit_seal is empty and NOT NULL needs no backfill.
 */
export class AuditSealDigests1764100000000 implements MigrationInterface {
  name = 'AuditSealDigests1764100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_seal ADD COLUMN event_digests text[] NOT NULL`);
    await q.query(`ALTER TABLE audit_seal ADD CONSTRAINT audit_seal_digests_check
      CHECK (cardinality(event_ids) > 0 AND cardinality(event_digests) = cardinality(event_ids))`);
    await q.query(`CREATE UNIQUE INDEX audit_seal_prev_hash_key ON audit_seal (prev_hash)`);
    await q.query(`CREATE INDEX audit_seal_last_event_idx ON audit_seal ((event_ids[cardinality(event_ids)]))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_seal_last_event_idx`);
    await q.query(`DROP INDEX audit_seal_prev_hash_key`);
    await q.query(`ALTER TABLE audit_seal DROP CONSTRAINT audit_seal_digests_check`);
    await q.query(`ALTER TABLE audit_seal DROP COLUMN event_digests`);
  }
}
