import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The IMAP poller's place in one mailbox (and its claim on it): UIDVALIDITY and the last UID filed. */
@Entity('inbox_imap_state')
export class InboxImapState {
  @PrimaryColumn({ type: 'text' })
  mailbox: string;

  @Column({ name: 'uid_validity', type: 'bigint' })
  uidValidity: string;

  @Column({ name: 'last_uid', type: 'bigint', default: 0 })
  lastUid: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
