import { Body, Controller, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { applyDefaultLimits, mergeMulterOptions, runMulter } from '@nestjs/platform-express/multer/multer/multer.utils';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import multer from 'multer';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { MAX_EVIDENCE_FILES } from './complaint-validation';
import { partsOf } from './complaints-api.controller';
import { CounterNoticeService, OwnerView } from './counter-notice.service';
import { IntakeRateLimitGuard } from './intake-rate-limit.guard';
import { UPLOAD_OPTIONS } from './upload-limits';

/** Files come as `evidence` parts, with the same limits and content sniffing as a complaint's evidence. */
const uploads = multer(applyDefaultLimits(mergeMulterOptions({}, UPLOAD_OPTIONS)) as multer.Options).fields([
  { name: 'evidence', maxCount: MAX_EVIDENCE_FILES },
]);

type Files = Record<string, Express.Multer.File[] | undefined> | undefined;

/** multipart: the JSON may come whole in a `json` field, or as plain fields (items repeated). */
function bodyOf(req: Request): Record<string, unknown> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (req.is('multipart/form-data') && typeof body.json === 'string') {
    try {
      return JSON.parse(body.json) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return body;
}

/**
 * The parties' answers after a decision, by API: the content owner's view, fix and counter-notice
 * (by their private response token), the complainant's proof of a suit or a complaint to an
 * authority (by their tracking token); staff refuse such a proof here (accepting it is the
 * transition to litigation_hold).
 */
@ApiTags('counter-notices')
@Controller('api/v1')
export class CounterNoticeApiController {
  constructor(private readonly counterNotices: CounterNoticeService) {}

  @Public()
  @Get('respond/:token')
  @ApiOperation({
    summary: "The content owner's view: the notice as the law forwards it, their items only, what they may file",
  })
  view(@Param('token') token: string): Promise<OwnerView> {
    return this.counterNotices.view(token);
  }

  @Public()
  @Post('respond/:token/fix')
  @HttpCode(200)
  @UseGuards(IntakeRateLimitGuard)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOperation({
    summary: 'The content owner sends a fix (`fix` text, optional `evidence` files) for a moderator to check',
  })
  async fix(@Param('token') token: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (req.is('multipart')) await runMulter(uploads, req, res);
    const body = bodyOf(req);
    return this.counterNotices.fix(token, typeof body.fix === 'string' ? body.fix : '', partsOf(req.files as Files));
  }

  @Public()
  @Post('respond/:token/counter-notice')
  @HttpCode(201)
  @UseGuards(IntakeRateLimitGuard)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOperation({
    summary:
      'The content owner files a counter-notice: `items` (positions of their items to restore) and the fields its basis requires (cn-copyright: name, contact, address, workTitle, statement, truthful + evidence files; cn-personal-rights: name, contact, address, statement, truthful + evidence files; us-dmca: name, address, phone, material, perjury, consent, signature). `locale` (zh-CN, en) sets the language of later mails.',
  })
  @ApiResponse({ status: 422, description: 'VALIDATION: one detail per missing field' })
  @ApiResponse({ status: 409, description: 'ILLEGAL_TRANSITION: not actioned, or eu-dsa/accuracy (appeal instead)' })
  async counterNotice(@Param('token') token: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (req.is('multipart')) await runMulter(uploads, req, res);
    const body = bodyOf(req);
    const result = await this.counterNotices.counterNotice(
      token,
      body,
      partsOf(req.files as Files),
      body.locale === 'en' ? 'en' : 'zh-CN',
    );
    return { reference: result.reference, state: result.state };
  }

  @Public()
  @Post('track/:token/litigation-proof')
  @HttpCode(201)
  @UseGuards(IntakeRateLimitGuard)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOperation({
    summary:
      'While restoration is pending, the complainant sends proof of a suit or a complaint to an authority (`note` text, `evidence` files, at least one)',
  })
  async litigationProof(@Param('token') token: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (req.is('multipart')) await runMulter(uploads, req, res);
    const body = bodyOf(req);
    return this.counterNotices.litigationProof(
      token,
      typeof body.note === 'string' ? body.note : '',
      partsOf(req.files as Files),
    );
  }

  @Roles('moderator', 'admin')
  @Post('complaints/:reference/litigation-proof/refuse')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Refuse the complainant’s proof of a suit or complaint with `reason`: the case stays restoration_pending, the complainant is mailed. (Accepting it is the transition to litigation_hold, action accept_litigation_proof.)',
  })
  refuse(
    @Param('reference') reference: string,
    @Body() body: { reason?: unknown } | undefined,
    @CurrentUser() user: StaffPrincipal,
  ) {
    return this.counterNotices.refuseLitigationProof(reference, typeof body?.reason === 'string' ? body.reason : '', {
      role: user.role,
      id: user.id,
      name: user.displayName,
    });
  }
}
