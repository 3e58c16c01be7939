import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { ComplaintsModule } from '../complaints/complaints.module';
import { MailModule } from '../mail/mail.module';
import { InboxService } from './inbox.service';
import { InboxStorage } from './inbox-storage';

/** Mail to the contact address: filing, threading, receipts, and the staff inbox. */
@Module({
  imports: [ArticlesModule, ComplaintsModule, MailModule],
  controllers: [],
  providers: [InboxService, InboxStorage],
  exports: [InboxService, InboxStorage],
})
export class InboxModule {}
