import { Injectable } from '@nestjs/common';

/**
 * In-process wake-up for the mail worker: code that just committed mail jobs calls kick(), so
 * the receipt leaves at once instead of at the next poll. Other instances still find the
 * jobs by polling; nothing depends on the kick arriving.
 */
@Injectable()
export class OutboxSignal {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  kick(): void {
    for (const l of this.listeners) l();
  }
}
