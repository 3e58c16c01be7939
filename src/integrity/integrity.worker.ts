import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PollLoop } from '../common/poll-loop';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { IntegrityService } from './integrity.service';

/**
 * The scheduled audit trail verification: polls (every INTEGRITY_CHECK_MS, at most every 15
 * minutes) and runs IntegrityService.runScheduled(), which verifies and mails once per period
 * across instances. INTEGRITY_CHECK_MS=0 turns it off.
 */
@Injectable()
export class IntegrityWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('IntegrityWorker');
  private readonly loop: PollLoop;

  constructor(
    private readonly integrity: IntegrityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.loop = new PollLoop({
      logger: this.logger,
      intervalMs: Math.min(Math.max(config.integrityCheckMs, 1000), 15 * 60_000),
      batchSize: () => 1,
      runOnce: async () => {
        await this.integrity.runScheduled();
        return 0;
      },
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.integrityCheckMs > 0) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}
