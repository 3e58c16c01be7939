import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';

/**
 * Removes files under UPLOAD_DIR that no evidence_file row names, once they are older than
 * UPLOAD_ORPHAN_GRACE_MS: what a process killed between writing the files and committing (or
 * between a rollback and the clean-up) left behind. Younger files may belong to a request still
 * in flight and are kept. Runs every UPLOAD_SWEEP_MS (0: never); several instances may sweep the
 * same directory, a file already gone is simply skipped.
 */
@Injectable()
export class UploadSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('UploadSweeper');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.uploadSweepMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.logger.warn(`sweep failed: ${(err as Error).message}`))
        .finally(() => (this.running = undefined));
    }, this.config.uploadSweepMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns the storage keys it removed. */
  async sweep(): Promise<string[]> {
    const cutoff = Date.now() - this.config.uploadOrphanGraceMs;
    const old: string[] = [];
    for (const path of await listFiles(this.config.uploadDir)) {
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() && info.mtimeMs < cutoff) old.push(relative(this.config.uploadDir, path).split(sep).join('/'));
    }
    const removed: string[] = [];
    for (let i = 0; i < old.length; i += 500) {
      const batch = old.slice(i, i + 500);
      const rows = await this.db.query<Array<{ storage_key: string }>>(
        `SELECT storage_key FROM evidence_file WHERE storage_key = ANY($1::text[])`,
        [batch],
      );
      const known = new Set(rows.map((r) => r.storage_key));
      for (const key of batch) {
        if (known.has(key)) continue;
        await unlink(join(this.config.uploadDir, key)).then(
          () => removed.push(key),
          () => undefined,
        );
      }
    }
    if (removed.length) this.logger.log(`removed ${removed.length} upload(s) that belong to no evidence row`);
    return removed;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}
