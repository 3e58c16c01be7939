import { Module } from '@nestjs/common';
import { CalendarApiController } from './calendar-api.controller';
import { CalendarController } from './calendar.controller';
import { CalendarOverridesService } from './calendar-overrides.service';
import { WorkingDays } from './working-days.service';

/**
 * Working days for China (holidays and 调休 from chinese-days) and the US (federal holidays), with
 * admins' overrides. Other modules import it and inject WorkingDays.
 */
@Module({
  controllers: [CalendarController, CalendarApiController],
  providers: [WorkingDays, CalendarOverridesService],
  exports: [WorkingDays],
})
export class CalendarModule {}
