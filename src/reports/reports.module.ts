import { Module } from '@nestjs/common';
import { ReportsApiController } from './reports-api.controller';
import { ReportsPagesController } from './reports-pages.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

/** Admin reports: read-only views over cases and the audit trail (every SQL statement in ReportsRepository). */
@Module({
  controllers: [ReportsApiController, ReportsPagesController],
  providers: [ReportsRepository, ReportsService],
})
export class ReportsModule {}
