import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ComplaintsModule } from '../complaints/complaints.module';
import { InboxModule } from '../inbox/inbox.module';
import { MailModule } from '../mail/mail.module';
import { BundleApiController, BundleController } from './bundle.controller';
import { BundleService } from './bundle.service';

/** Evidence bundles per case (admins): reads only, besides the audit event of the export. */
@Module({
  imports: [AuditModule, ComplaintsModule, InboxModule, MailModule],
  controllers: [BundleController, BundleApiController],
  providers: [BundleService],
})
export class BundleModule {}
