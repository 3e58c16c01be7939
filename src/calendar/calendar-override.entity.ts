import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { StaffUser } from '../auth/staff-user.entity';

/**
 * An admin's correction of the holiday packages for one date of one region: 'holiday' (e.g. a
 * one-off closing, or a year the package does not cover yet) or 'working' (a make-up day).
 * Read and written by calendar-override.repository.ts; the entity exists for the schema check.
 */
@Entity('calendar_override')
@Unique('calendar_override_region_date_key', ['region', 'date'])
@Check('calendar_override_region_check', `region IN ('cn', 'us')`)
@Check('calendar_override_kind_check', `kind IN ('working', 'holiday')`)
export class CalendarOverride {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) region: 'cn' | 'us';
  /** 'YYYY-MM-DD'; always selected as text so no time zone touches it. */
  @Column({ type: 'date' }) date: string;
  @Column({ type: 'text' }) kind: 'working' | 'holiday';
  @Column({ type: 'text', default: '' }) note: string;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdById: string | null;
  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'calendar_override_created_by_fk' })
  createdBy?: StaffUser | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
