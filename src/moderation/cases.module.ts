import { Module } from '@nestjs/common';
import { ComplaintsModule } from '../complaints/complaints.module';
import { CaseApiController } from './case-api.controller';
import { CaseController } from './case.controller';
import { CaseService } from './case.service';
import { ReplyTemplatesApiController, ReplyTemplatesController } from './reply-templates.controller';
import { ReplyTemplatesService } from './reply-templates.service';

/** The case page, the transitions endpoint and the reply templates (the queue lives in ModerationModule). */
@Module({
  imports: [ComplaintsModule],
  controllers: [CaseApiController, CaseController, ReplyTemplatesController, ReplyTemplatesApiController],
  providers: [CaseService, ReplyTemplatesService],
  exports: [CaseService, ReplyTemplatesService],
})
export class CasesModule {}
