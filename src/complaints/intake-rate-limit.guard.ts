import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimitService } from '../common/rate-limit.service';

/** Spends one intake point per request before any body or upload is parsed (guards run first). */
@Injectable()
export class IntakeRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimitService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    await this.limits.consumeIntake(req.ip);
    return true;
  }
}
