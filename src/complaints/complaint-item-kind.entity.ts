import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Complaint } from './complaint.entity';

/**
 * Per case and item kind: how many items of that kind the case names, with the case's received_at
 * (migration ReportScale). Written only by the trigger complaint_item_kind_count on complaint_item,
 * never by the application; read by the "by item kind" report (FiguresRepository.byItemKind).
 */
@Entity('complaint_item_kind')
// (received_at) INCLUDE (kind, items): declared in the migration (TypeORM cannot declare INCLUDE).
@Index('complaint_item_kind_received_idx', { synchronize: false })
export class ComplaintItemKind {
  @PrimaryColumn({ name: 'complaint_id', type: 'uuid', primaryKeyConstraintName: 'complaint_item_kind_pkey' })
  complaintId: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'complaint_item_kind_pkey' })
  kind: string;

  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'complaint_item_kind_complaint_fk' })
  complaint?: Complaint;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'integer' })
  items: number;
}
