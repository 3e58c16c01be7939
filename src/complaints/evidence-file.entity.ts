import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Complaint } from './complaint.entity';

/** identity: the notifier's proof of identity (民法典 Art. 1195), for staff only: never on the tracking page, never forwarded. */
export type FilePurpose =
  'evidence' | 'authorisation' | 'response' | 'identity' | 'appeal' | 'counter_notice' | 'litigation';

@Entity('evidence_file')
@Check(
  'evidence_file_purpose_check',
  `purpose IN ('evidence', 'authorisation', 'response', 'counter_notice', 'litigation', 'appeal', 'identity')`,
)
@Check('evidence_file_size_check', `size_bytes > 0`)
@Index('evidence_file_complaint_idx', ['complaintId'])
export class EvidenceFile {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'complaint_id', type: 'uuid' })
  complaintId: string;

  @ManyToOne(() => Complaint, (c) => c.files, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'evidence_file_complaint_fk' })
  complaint?: Complaint;

  @Column({ type: 'text' })
  purpose: FilePurpose;

  @Column({ name: 'original_name', type: 'text' })
  originalName: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes: number;

  @Column({ type: 'text' })
  sha256: string;

  @Column({ name: 'storage_key', type: 'text', unique: true, select: false })
  storageKey?: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
