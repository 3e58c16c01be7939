import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditActorType } from './audit-event.entity';

export interface AuditInput {
  actorType: AuditActorType;
  actorId?: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  payload?: Record<string, unknown>;
}

/** Appends audit events inside the caller's transaction; always awaited, never fire-and-forget. */
@Injectable()
export class AuditService {
  async append(tx: EntityManager, event: AuditInput): Promise<void> {
    await tx.query(
      `INSERT INTO audit_event (actor_type, actor_id, action, subject_type, subject_id, payload)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        event.actorType,
        event.actorId ?? null,
        event.action,
        event.subjectType,
        event.subjectId,
        JSON.stringify(event.payload ?? {}),
      ],
    );
  }

  /** Many events in one statement, in list order (ids ascend with it). */
  async appendMany(tx: EntityManager, events: AuditInput[]): Promise<void> {
    if (!events.length) return;
    await tx.query(
      `INSERT INTO audit_event (actor_type, actor_id, action, subject_type, subject_id, payload)
       SELECT x.actor_type, x.actor_id, x.action, x.subject_type, x.subject_id, x.payload
         FROM (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(ord int, actor_type text, actor_id text, action text,
                                                               subject_type text, subject_id text, payload jsonb)
               ORDER BY ord) x`,
      [
        JSON.stringify(
          events.map((e, ord) => ({
            ord,
            actor_type: e.actorType,
            actor_id: e.actorId ?? null,
            action: e.action,
            subject_type: e.subjectType,
            subject_id: e.subjectId,
            payload: e.payload ?? {},
          })),
        ),
      ],
    );
  }
}
