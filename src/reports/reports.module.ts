import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar/calendar.module';
import { FiguresApiController } from './figures-api.controller';
import { FiguresPagesController } from './figures-pages.controller';
import { FiguresRepository } from './figures.repository';
import { FiguresService } from './figures.service';
import { ReportsApiController } from './reports-api.controller';
import { ReportsPagesController } from './reports-pages.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';
import { TransparencyApiController, TransparencyPagesController } from './transparency.controller';
import { TransparencyService } from './transparency.service';

/**
 * Admin reports: read-only views over cases and the audit trail (SQL in ReportsRepository) and
 * the period reports (SQL in FiguresRepository). Nothing here writes.
 */
@Module({
  imports: [CalendarModule],
  // The transparency controllers first: their fixed paths before the period reports' `:section`/`:file`.
  controllers: [
    TransparencyApiController,
    TransparencyPagesController,
    ReportsApiController,
    FiguresApiController,
    ReportsPagesController,
    FiguresPagesController,
  ],
  providers: [ReportsRepository, ReportsService, FiguresRepository, FiguresService, TransparencyService],
})
export class ReportsModule {}
