import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { MisuseService } from './misuse.service';
import type { MisuseWarning } from './misuse.service';

const reasonOf = (body: unknown): string => {
  const r = (body as { reason?: unknown } | undefined)?.reason;
  return typeof r === 'string' ? r : '';
};

/** Misuse warnings over the API: admins warn, staff read (the case page shows them too). */
@ApiTags('moderation')
@ApiBearerAuth()
@Roles('moderator', 'admin')
@Controller('api/v1/complaints')
export class MisuseApiController {
  constructor(private readonly misuse: MisuseService) {}

  @Get(':reference/warnings')
  @ApiOperation({ summary: 'Misuse warnings to the address that filed this case, newest first' })
  list(@Param('reference') reference: string): Promise<MisuseWarning[]> {
    return this.misuse.warningsFor(reference);
  }

  @Post(':reference/warnings')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Warn the complainant about misuse (DSA Art. 23), with reasons; mailed to them. Admins only. A later notice of theirs may then be not_processed. One warning per case: sent again, it answers 200 with the standing warning and mails nothing.',
  })
  async warn(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MisuseWarning> {
    const { warning, created } = await this.misuse.warn(reference, reasonOf(body), user);
    // The case's warning already stood: 200 with it, nothing new recorded or mailed.
    if (!created) res.status(200);
    return warning;
  }
}

/** The case page's warning form (admins); the page lists the warnings. */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/complaints')
export class MisuseController {
  constructor(private readonly misuse: MisuseService) {}

  @Post(':reference/warnings')
  async warn(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const ref = encodeURIComponent(reference);
    try {
      await this.misuse.warn(reference, reasonOf(body), user);
    } catch (err) {
      if (err instanceof ValidationError) return res.redirect(303, `/staff/complaints/${ref}?warning=required#misuse`);
      throw err;
    }
    res.redirect(303, `/staff/complaints/${ref}?done=warning#misuse`);
  }
}
