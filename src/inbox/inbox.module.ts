import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { ComplaintsModule } from '../complaints/complaints.module';
import { MailModule } from '../mail/mail.module';
import { ImapPoller } from './imap-poller';
import { InboxApiController } from './inbox-api.controller';
import { InboxReviewService } from './inbox-review.service';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';
import { InboxStorage } from './inbox-storage';

/** Mail to the contact address: filing, threading, receipts, and the staff inbox. */
@Module({
  imports: [ArticlesModule, ComplaintsModule, MailModule],
  controllers: [InboxController, InboxApiController],
  providers: [InboxService, InboxReviewService, InboxStorage, ImapPoller],
  exports: [InboxService, InboxStorage, ImapPoller],
})
export class InboxModule {}
