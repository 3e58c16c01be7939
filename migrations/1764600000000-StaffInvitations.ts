import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitation links for new staff accounts (StaffInvitationsService): the account is created as
 * 'invited' without a password, and its owner chooses one through a single-use link mailed to
 * them. Only the link token's SHA-256 is stored; a link works once (used_at), until expires_at
 * (72 hours), and not after a newer invitation or a disable (revoked_at).
 */
export class StaffInvitations1764600000000 implements MigrationInterface {
  name = 'StaffInvitations1764600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_invitation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES staff_user (id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        invited_by uuid REFERENCES staff_user (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT staff_invitation_token_hash_check CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT staff_invitation_expiry_check CHECK (expires_at > created_at)
      )`);
    await q.query(`CREATE UNIQUE INDEX staff_invitation_token_key ON staff_invitation (token_hash)`);
    await q.query(`CREATE INDEX staff_invitation_user_idx ON staff_invitation (user_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE staff_invitation`);
  }
}
