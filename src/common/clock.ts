import { Injectable } from '@nestjs/common';

/**
 * The time the desk's own deadlines run on (case timers). Injected, so that e2e tests move it
 * (`jest.spyOn(app.get(Clock), 'now')`) instead of sleeping; production reads the system clock.
 * SQL that only needs "now" for bookkeeping keeps using the database's now().
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
