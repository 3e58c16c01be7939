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
}
