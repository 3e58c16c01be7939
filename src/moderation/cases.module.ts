import { Module } from '@nestjs/common';
import { ComplaintsModule } from '../complaints/complaints.module';
import { MailModule } from '../mail/mail.module';
import { CaseApiController } from './case-api.controller';
import { CaseController } from './case.controller';
import { CaseService } from './case.service';
import { MisuseApiController, MisuseController } from './misuse.controller';
import { MisuseService } from './misuse.service';
import { ReplyTemplatesApiController, ReplyTemplatesController } from './reply-templates.controller';
import { ReplyTemplatesService } from './reply-templates.service';

/** The case page, the transitions endpoint and the reply templates (the queue lives in ModerationModule). */
@Module({
  imports: [ComplaintsModule, MailModule],
  controllers: [
    CaseApiController,
    CaseController,
    ReplyTemplatesController,
    ReplyTemplatesApiController,
    MisuseApiController,
    MisuseController,
  ],
  providers: [CaseService, ReplyTemplatesService, MisuseService],
  exports: [CaseService, ReplyTemplatesService],
})
export class CasesModule {}
