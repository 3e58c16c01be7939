import { Controller, Get, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { translate } from '../common/i18n';
import { IntegrityService } from './integrity.service';
import type { IntegrityRun } from './integrity.service';

const view = (r: IntegrityRun | null) =>
  r && {
    ...r,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    scheduled: r.triggeredBy === 'schedule',
  };

/**
 * GET /staff/integrity (templates/views/staff/integrity.hbs): when and up to which event the
 * audit trail was last verified, the newest seal hash, a broken chain in red with its first bad
 * event; POST /staff/integrity/verify runs the verifier now and redirects back (303).
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/integrity')
export class IntegrityPageController {
  constructor(private readonly integrity: IntegrityService) {}

  @Get()
  async page(@CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale === 'en' ? 'en' : 'zh-CN';
    const [last, finished] = await Promise.all([this.integrity.last(), this.integrity.lastFinished()]);
    res.setHeader('Cache-Control', 'no-store');
    res.render('staff/integrity', {
      title: translate(locale, 'integrity.title'),
      currentPath: '/staff/integrity',
      staff: user,
      running: last?.running ? view(last) : null,
      run: view(finished),
    });
  }

  @Post('verify')
  async verify(@CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.integrity.runNow(user.id);
    res.redirect(303, '/staff/integrity');
  }
}
