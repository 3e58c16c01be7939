import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailJob } from './mail-job.entity';
import { MailOutbox } from './mail-outbox';
import { MailRenderer } from './mail-renderer';
import { MailWorker } from './mail-worker';
import { MailboxMessage } from './mailbox-message.entity';
import { MailboxController } from './mailbox.controller';
import { OutboxSignal } from './outbox-signal';

/** Outbox, renderer, delivery worker and the local mailbox pages. */
@Module({
  imports: [TypeOrmModule.forFeature([MailJob, MailboxMessage])],
  controllers: [MailboxController],
  providers: [MailOutbox, MailRenderer, MailWorker, OutboxSignal],
  exports: [MailOutbox, MailRenderer, MailWorker, OutboxSignal],
})
export class MailModule {}
