import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { RegisterService } from './register.service';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The admin's view of one register entry (templates/views/staff/notice.hbs): published or
 * withheld (reason, by whom, when), a form to withhold it with a reason or publish it again.
 * Forms post back here and redirect (303) with ?done=withheld|released.
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/notices')
export class RegisterAdminController {
  constructor(private readonly register: RegisterService) {}

  @Get(':reference')
  async page(
    @Param('reference') reference: string,
    @Query('done') done: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const d = str(done);
    await this.render(res, 200, user, reference, { done: d === 'withheld' || d === 'released' ? d : null });
  }

  @Post(':reference/withhold')
  async withhold(
    @Param('reference') reference: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    try {
      await this.register.withhold(reference, str(body?.reason), user);
    } catch (err) {
      if (err instanceof ValidationError) return this.render(res, 422, user, reference, { error: true });
      throw err;
    }
    res.redirect(303, `/staff/notices/${encodeURIComponent(reference)}?done=withheld`);
  }

  @Post(':reference/release')
  async release(
    @Param('reference') reference: string,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    await this.register.release(reference, user);
    res.redirect(303, `/staff/notices/${encodeURIComponent(reference)}?done=released`);
  }

  private async render(
    res: Response,
    status: number,
    user: StaffPrincipal,
    reference: string,
    v: { done?: string | null; error?: boolean },
  ): Promise<void> {
    const entry = await this.register.adminView(reference);
    const locale = res.locals.locale === 'en' ? 'en' : 'zh-CN';
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/notice', {
      title: `${locale === 'en' ? 'Register entry' : '登记条目'} ${entry.reference}`,
      currentPath: `/staff/notices/${reference}`,
      staff: user,
      entry: {
        reference: entry.reference,
        publicUrl: `/notices/${encodeURIComponent(entry.reference)}`,
        withheld: entry.withheld
          ? {
              reason: entry.withheld.reason,
              by: entry.withheld.by,
              at: entry.withheld.withheldAt.toISOString(),
              atText: entry.withheld.withheldAt.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', {
                timeZone: 'Asia/Shanghai',
                dateStyle: 'long',
                timeStyle: 'short',
              }),
            }
          : null,
      },
      done: v.done ?? null,
      error: v.error ?? false,
    });
  }
}
