import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { loadDemoCatalogue } from './demo/demo-catalogue';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';

/** Loads the demo catalogue on first start (when the catalogue is empty), in one transaction. */
@Injectable()
export class DemoSeedService {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async seedOnce(): Promise<boolean> {
    const { articles } = loadDemoCatalogue();
    return this.db.transaction(async (tx) => {
      // Two instances starting together must not both seed.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('notice-desk:demo-seed'))`);
      const [{ count }] = await tx.query<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM article`);
      if (count > 0) return false;
      let imageSeed = 1;
      for (const a of articles) {
        const [{ id }] = await tx.query<Array<{ id: string }>>(
          `INSERT INTO article (slug, url, title, body, published_at, owner_name, owner_email)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            a.slug,
            `${this.config.publicBaseUrl}/articles/${a.slug}`,
            a.title,
            a.paragraphs.join('\n'),
            a.publishedAt,
            a.ownerName,
            a.ownerEmail,
          ],
        );
        for (const [position, caption] of a.imageCaptions.entries()) {
          // Eight pictures shipped in the repo (made by demo/demo-image.ts), used in turn.
          const data = readFileSync(
            join(PROJECT_ROOT, 'src/articles/demo/images', `demo-${((imageSeed++ - 1) % 8) + 1}.png`),
          );
          await tx.query(
            `INSERT INTO article_image (article_id, position, caption, content_type, data, sha256)
             VALUES ($1, $2, $3, 'image/png', $4, $5)`,
            [id, position, caption, data, createHash('sha256').update(data).digest('hex')],
          );
        }
      }
      this.logger.log(`Loaded the demo catalogue: ${articles.length} articles`);
      return true;
    });
  }
}
