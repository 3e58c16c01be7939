import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticleImage } from './article-image.entity';
import { Article } from './article.entity';
import { ArticlesApiController } from './articles-api.controller';
import { ArticlesCmsController } from './articles-cms.controller';
import { ArticlesController } from './articles.controller';
import { ArticlesService } from './articles.service';
import { DemoSeedService } from './demo-seed.service';
import { RemediesService } from './remedies.service';
import { WebhookOutbox } from './webhook.service';
import { WebhookWorker } from './webhook.worker';

@Module({
  imports: [TypeOrmModule.forFeature([Article, ArticleImage])],
  controllers: [ArticlesController, ArticlesApiController, ArticlesCmsController],
  providers: [ArticlesService, DemoSeedService, RemediesService, WebhookOutbox, WebhookWorker],
  exports: [ArticlesService, DemoSeedService, RemediesService, WebhookOutbox, WebhookWorker],
})
export class ArticlesModule {}
