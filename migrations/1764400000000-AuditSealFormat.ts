import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seal format per seal. Seals written so far (format 1) hash RFC 8785 JSON built in Node; from
 * now on the sealer writes format 2, whose hash PostgreSQL computes itself (audit-chain.ts), so
 * the verifier can check seals set-based and in parallel. Old seals keep format 1 and stay
 * verifiable; the sealer always names the format it writes, hence no default after the backfill.
 */
export class AuditSealFormat1764400000000 implements MigrationInterface {
  name = 'AuditSealFormat1764400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_seal ADD COLUMN format smallint NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE audit_seal ALTER COLUMN format DROP DEFAULT`);
    await q.query(`ALTER TABLE audit_seal ADD CONSTRAINT audit_seal_format_check CHECK (format IN (1, 2))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_seal DROP CONSTRAINT audit_seal_format_check`);
    await q.query(`ALTER TABLE audit_seal DROP COLUMN format`);
  }
}
