import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { contentDisposition } from '../moderation/case.controller';
import { BundleService } from './bundle.service';

async function send(bundles: BundleService, reference: string, user: StaffPrincipal, res: Response): Promise<void> {
  const bundle = await bundles.prepare(reference, user);
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', contentDisposition(bundle.filename));
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Headers are out: a failure now can only cut the download short (the ZIP then has no central directory).
  await bundle.pipe(res).catch((err: unknown) => {
    res.destroy(err as Error);
  });
}

/** The case page's "Evidence bundle" link (admins). */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/complaints')
export class BundleController {
  constructor(private readonly bundles: BundleService) {}

  @Get(':reference/bundle.zip')
  async download(
    @Param('reference') reference: string,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    await send(this.bundles, reference, user, res);
  }
}

@ApiTags('complaints')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/complaints')
export class BundleApiController {
  constructor(private readonly bundles: BundleService) {}

  @Get(':reference/bundle')
  @ApiOperation({
    summary:
      'The evidence bundle of a case (ZIP, streamed): complaint.json, files, article snapshots, every message as .eml, the audit events with their seals, VERIFY.txt. Admins only; the export is an audit event (complaint.bundle_exported)',
  })
  @ApiProduces('application/zip')
  async download(
    @Param('reference') reference: string,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    await send(this.bundles, reference, user, res);
  }
}
