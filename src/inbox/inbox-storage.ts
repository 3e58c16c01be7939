import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';

/**
 * Raw messages (.eml) and their attachments under INBOX_DIR, which no route serves. Written
 * and fsynced before the filing transaction, removed again if it does not commit.
 */
@Injectable()
export class InboxStorage {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async write(kind: 'raw' | 'files', data: Buffer, ext = ''): Promise<string> {
    const key = `${kind}/${new Date().toISOString().slice(0, 7)}/${randomUUID()}${ext}`;
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return key;
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  async remove(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => unlink(this.pathOf(k)).catch(() => undefined)));
  }

  pathOf(key: string): string {
    if (!/^(raw|files)\/\d{4}-\d{2}\/[0-9a-f-]{36}(\.eml)?$/.test(key)) throw new Error('bad inbox storage key');
    return join(this.config.inboxDir, key);
  }
}
