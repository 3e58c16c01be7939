import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A batch seal: hash = sha256(prev_hash + "\n" + canonical form of the sealed events, in id order);
 * which canonical form is given by `format` (audit-chain.ts).
 * low_water: every event id <= low_water is sealed or was never committed.
 * event_digests[i] is sha256 of event_ids[i]'s canonical form; not part of the hash, it only lets
 * the verifier name the event that no longer matches.
 */
@Entity('audit_seal')
@Check('audit_seal_format_check', 'format IN (1, 2)')
@Check('audit_seal_digests_check', 'cardinality(event_ids) > 0 AND cardinality(event_digests) = cardinality(event_ids)')
// One successor per seal: a second sealer racing past the advisory lock cannot fork the chain.
@Index('audit_seal_prev_hash_key', ['prevHash'], { unique: true })
// Expression index (TypeORM cannot declare it): finds the seals holding ids above a low-water mark.
@Index('audit_seal_last_event_idx', { synchronize: false })
@Check('audit_seal_span_check', 'first_id <= last_id AND first_at <= last_at')
// (last_at) INCLUDE (first_at, first_id, last_id): the seals reaching a date, index-only.
@Index('audit_seal_span_idx', { synchronize: false })
export class AuditSeal {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  /** How hash was computed: 1 RFC 8785 JSON in Node, 2 canonical text in PostgreSQL (audit-chain.ts). */
  @Column({ type: 'smallint' })
  format: number;

  @Column({ name: 'event_ids', type: 'bigint', array: true })
  eventIds: string[];

  @Column({ name: 'event_digests', type: 'text', array: true })
  eventDigests: string[];

  @Column({ name: 'low_water', type: 'bigint' })
  lowWater: string;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text', unique: true })
  hash: string;

  @Column({ name: 'sealed_at', type: 'timestamptz', default: () => 'now()' })
  sealedAt: Date;

  /*
   * The span: lowest and highest event id, earliest and latest occurred_at of the sealed events.
   * Never written by the application: the audit_seal_span trigger derives them on INSERT. Outside
   * the hash; they only let the audit log find a date range's ids from the seals.
   */
  @Column({ name: 'first_id', type: 'bigint', insert: false, update: false })
  firstId: string;

  @Column({ name: 'last_id', type: 'bigint', insert: false, update: false })
  lastId: string;

  @Column({ name: 'first_at', type: 'timestamptz', insert: false, update: false })
  firstAt: Date;

  @Column({ name: 'last_at', type: 'timestamptz', insert: false, update: false })
  lastAt: Date;
}
