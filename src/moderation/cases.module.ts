import { Module } from '@nestjs/common';
import { ComplaintsModule } from '../complaints/complaints.module';
import { CaseApiController } from './case-api.controller';
import { CaseService } from './case.service';

/** The case page and the transitions endpoint (the queue lives in ModerationModule). */
@Module({
  imports: [ComplaintsModule],
  controllers: [CaseApiController],
  providers: [CaseService],
  exports: [CaseService],
})
export class CasesModule {}
