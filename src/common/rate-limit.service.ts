import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { RateLimitedError } from './domain-error';

/**
 * Per-IP limits kept in PostgreSQL (rate-limiter-flexible's Postgres store, table from our
 * migration), so every instance of the service counts against the same budget.
 */
@Injectable()
export class RateLimitService {
  private readonly limiters = new Map<string, RateLimiterPostgres>();

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Consumes one point of `bucket` for `key`; throws RateLimitedError when the budget is spent. */
  async consume(bucket: string, key: string, pointsPerMinute: number): Promise<void> {
    if (pointsPerMinute <= 0) return;
    const limiter = this.limiter(bucket, pointsPerMinute);
    try {
      await limiter.consume(key || 'unknown');
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
      throw err;
    }
  }

  async consumeIntake(ip: string | undefined): Promise<void> {
    await this.consume('intake', ip ?? 'unknown', this.config.intakeRateLimit);
  }

  private limiter(bucket: string, points: number): RateLimiterPostgres {
    const name = `${bucket}:${points}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const pool = (this.db.driver as unknown as { master: unknown }).master;
      limiter = new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: 'rate_limit',
        tableCreated: true,
        keyPrefix: bucket,
        points,
        duration: 60,
      });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
