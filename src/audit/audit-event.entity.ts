import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AuditActorType = 'complainant' | 'content_owner' | 'moderator' | 'admin' | 'system' | 'cms';

/** One append-only audit event. The database refuses UPDATE, DELETE and TRUNCATE. */
@Entity('audit_event')
@Check(
  'audit_event_actor_type_check',
  `actor_type IN ('complainant', 'content_owner', 'moderator', 'admin', 'system', 'cms')`,
)
@Index('audit_event_subject_idx', ['subjectType', 'subjectId', 'id'])
@Index('audit_event_action_time_idx', ['action', 'occurredAt', 'id'])
@Index('audit_event_time_idx', ['occurredAt', 'id'])
// The audit log filtered by actor, newest first (migration 1766920000000).
@Index('audit_event_actor_idx', ['actorId', 'id'], { where: 'actor_id IS NOT NULL' })
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  occurredAt: Date;

  @Column({ type: 'bigint', default: () => 'audit_current_xid()', select: false })
  xid?: string;

  @Column({ name: 'actor_type', type: 'text' })
  actorType: AuditActorType;

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId: string | null;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  payload: Record<string, unknown>;
}
