import { Injectable } from '@nestjs/common';

@Injectable()
export class DemoSeedService {
  async seedOnce(): Promise<void> {}
}
