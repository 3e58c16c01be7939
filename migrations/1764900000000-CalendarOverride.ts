import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * calendar_override: admins' corrections of the working-day calendar (src/calendar/). One row per
 * (region, date); the packages (chinese-days, @18f/us-federal-holidays) supply everything else.
 * A note is capped so the admin page stays readable; the creator is kept even if the account goes.
 */
export class CalendarOverride1764900000000 implements MigrationInterface {
  name = 'CalendarOverride1764900000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_override (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        region text NOT NULL CONSTRAINT calendar_override_region_check CHECK (region IN ('cn', 'us')),
        date date NOT NULL,
        kind text NOT NULL CONSTRAINT calendar_override_kind_check CHECK (kind IN ('working', 'holiday')),
        note text NOT NULL DEFAULT '',
        created_by uuid CONSTRAINT calendar_override_created_by_fk REFERENCES staff_user (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT calendar_override_region_date_key UNIQUE (region, date)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calendar_override`);
  }
}
