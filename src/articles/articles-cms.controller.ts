import { Body, Controller, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { isLocale } from '../complaints/legal-basis';
import { ArticlesService } from './articles.service';

/**
 * The publisher's CMS keeps what the desk needs to know about an article's content owner in
 * sync (admin token: `Authorization: Bearer nd_…`). Today: the owner's language, in which their
 * mail (owner-notice) is written.
 */
@ApiTags('articles')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/articles')
export class ArticlesCmsController {
  constructor(private readonly articles: ArticlesService) {}

  @Patch(':slug')
  @ApiOperation({ summary: "Set an article's content-owner language: { ownerLocale: 'zh-CN' | 'en' } (admin)" })
  @ApiBody({ schema: { properties: { ownerLocale: { type: 'string', enum: ['zh-CN', 'en'] } } } })
  async update(
    @Param('slug') slug: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ slug: string; ownerLocale: string }> {
    const ownerLocale = (body as { ownerLocale?: unknown } | null)?.ownerLocale;
    if (!isLocale(ownerLocale))
      throw new ValidationError([{ field: 'ownerLocale', rule: 'invalid', message: "must be 'zh-CN' or 'en'" }]);
    await this.articles.setOwnerLocale(slug, ownerLocale, user);
    return { slug, ownerLocale };
  }
}
