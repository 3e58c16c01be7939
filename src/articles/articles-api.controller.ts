import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ArticlesService } from './articles.service';

class ArticleImageDto {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: ['visible', 'removed'] }) status: string;
  @ApiProperty({ type: String, nullable: true, description: 'Reference of the case whose remedy removed it, or null' })
  removedBy: string | null;
}

class ArticleSummaryDto {
  @ApiProperty() slug: string;
  @ApiProperty({ description: 'Canonical URL; complaints name articles by it' }) url: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: ['published', 'removed'] }) status: string;
  @ApiProperty({ type: String, nullable: true, description: 'Reference of the case whose remedy removed it, or null' })
  removedBy: string | null;
  @ApiProperty() publishedAt: string;
  @ApiProperty({ type: [ArticleImageDto] }) images: ArticleImageDto[];
}

class ArticleListDto {
  @ApiProperty({ type: [ArticleSummaryDto] }) items: ArticleSummaryDto[];
  @ApiProperty({ nullable: true, description: 'offset of the next page, or null' }) nextOffset: number | null;
}

@ApiTags('articles')
@Public()
@Controller('api/v1/articles')
export class ArticlesApiController {
  constructor(private readonly articles: ArticlesService) {}

  @Get()
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 100' })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ type: ArticleListDto })
  async list(@Query('limit') limitRaw?: string, @Query('offset') offsetRaw?: string): Promise<ArticleListDto> {
    const limit = Math.min(200, Math.max(1, Number(limitRaw) || 100));
    const offset = Math.max(0, Number(offsetRaw) || 0);
    const rows = await this.articles.listAll(limit + 1, offset);
    const refs = await this.articles.references(
      rows.flatMap((a) => [a.removedById, ...(a.images ?? []).map((i) => i.removedById)]),
    );
    // Only a removal in force names its case (a restored item keeps no reference).
    const removedBy = (status: string, id: string | null) =>
      status === 'removed' && id ? (refs.get(id) ?? null) : null;
    return {
      items: rows.slice(0, limit).map((a) => ({
        slug: a.slug,
        url: a.url,
        title: a.title,
        status: a.status,
        removedBy: removedBy(a.status, a.removedById),
        publishedAt: a.publishedAt.toISOString(),
        images: (a.images ?? [])
          .sort((x, y) => x.position - y.position)
          .map((i) => ({
            id: i.id,
            url: this.articles.imageUrl(i.id),
            status: i.status,
            removedBy: removedBy(i.status, i.removedById),
          })),
      })),
      nextOffset: rows.length > limit ? offset + limit : null,
    };
  }
}
