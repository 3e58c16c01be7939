import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A message the in-process SMTP server received (zero-config mode only). */
@Entity('mailbox_message')
export class MailboxMessage {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'envelope_from', type: 'text', nullable: true })
  envelopeFrom: string | null;

  @Column({ name: 'envelope_to', type: 'text', array: true })
  envelopeTo: string[];

  @Column({ type: 'text', nullable: true })
  subject: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ type: 'text' })
  raw: string;
}
