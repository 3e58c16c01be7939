import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar/calendar.module';
import { QueueApiController } from './queue-api.controller';
import { QueueController } from './queue.controller';
import { QueueService } from './queue.service';

/** The review queue (JSON and the staff page); decisions on a case live in CasesModule. */
@Module({
  imports: [CalendarModule],
  controllers: [QueueApiController, QueueController],
  providers: [QueueService],
  exports: [QueueService],
})
export class ModerationModule {}
