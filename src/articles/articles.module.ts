import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticleImage } from './article-image.entity';
import { Article } from './article.entity';
import { ArticlesApiController } from './articles-api.controller';
import { ArticlesController } from './articles.controller';
import { ArticlesService } from './articles.service';
import { DemoSeedService } from './demo-seed.service';

@Module({
  imports: [TypeOrmModule.forFeature([Article, ArticleImage])],
  controllers: [ArticlesController, ArticlesApiController],
  providers: [ArticlesService, DemoSeedService],
  exports: [ArticlesService, DemoSeedService],
})
export class ArticlesModule {}
