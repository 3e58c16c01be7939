import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { IntegrityApiController } from './integrity-api.controller';
import { IntegrityPageController } from './integrity-page.controller';
import { IntegrityService } from './integrity.service';
import { IntegrityWorker } from './integrity.worker';

/** Audit trail verification runs: admin page and API, and the scheduled daily check mailed out. */
@Module({
  imports: [MailModule],
  controllers: [IntegrityApiController, IntegrityPageController],
  providers: [IntegrityService, IntegrityWorker],
  exports: [IntegrityService, IntegrityWorker],
})
export class IntegrityModule {}
