import { AppealService } from './appeal.service';
import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { CalendarModule } from '../calendar/calendar.module';
import { RateLimitService } from '../common/rate-limit.service';
import { MailModule } from '../mail/mail.module';
import { AnswerService } from './answer.service';
import { CaseTimerRepository } from './case-timer.repository';
import { ComplaintFormController } from './complaint-form.controller';
import { ComplaintIntakeService } from './complaint-intake.service';
import { ComplaintsService } from './complaints.service';
import { ComplaintsApiController } from './complaints-api.controller';
import { CounterNoticeApiController } from './counter-notice-api.controller';
import { CounterNoticeService } from './counter-notice.service';
import { EdgeEffects } from './edge-effects';
import { OwnerResponseController } from './owner-response.controller';
import { EvidenceStorage } from './evidence-storage';
import { IntakeRateLimitGuard } from './intake-rate-limit.guard';
import { ReplaySweeper } from './replay-sweeper';
import { SlaBreachRepository } from './sla-breach.repository';
import { SlaDigestWorker } from './sla-digest.worker';
import { TimerWorker } from './timer-worker';
import { TrackingService } from './tracking.service';
import { UploadSweeper } from './upload-sweeper';

@Module({
  imports: [ArticlesModule, MailModule, CalendarModule],
  controllers: [ComplaintsApiController, ComplaintFormController, OwnerResponseController, CounterNoticeApiController],
  providers: [
    ComplaintIntakeService,
    ComplaintsService,
    AnswerService,
    EvidenceStorage,
    TrackingService,
    RateLimitService,
    IntakeRateLimitGuard,
    ReplaySweeper,
    UploadSweeper,
    EdgeEffects,
    CaseTimerRepository,
    TimerWorker,
    SlaBreachRepository,
    SlaDigestWorker,
    AppealService,
    CounterNoticeService,
  ],
  exports: [
    ComplaintIntakeService,
    ComplaintsService,
    TrackingService,
    EvidenceStorage,
    UploadSweeper,
    TimerWorker,
    SlaDigestWorker,
  ],
})
export class ComplaintsModule {}
