import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A batch seal: hash = sha256(prev_hash + canonical JSON of the sealed events, in order). */
@Entity('audit_seal')
export class AuditSeal {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'event_ids', type: 'bigint', array: true })
  eventIds: string[];

  @Column({ name: 'low_water', type: 'bigint' })
  lowWater: string;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text', unique: true })
  hash: string;

  @Column({ name: 'sealed_at', type: 'timestamptz', default: () => 'now()' })
  sealedAt: Date;
}
