import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Req,
  Res,
  UploadedFiles,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import { applyDefaultLimits, mergeMulterOptions, runMulter } from '@nestjs/platform-express/multer/multer/multer.utils';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import multer from 'multer';
import { Public } from '../auth/auth.decorators';
import { DomainError, ErrorCode, ValidationError } from '../common/domain-error';
import { AnswerService } from './answer.service';
import { AppealService } from './appeal.service';
import type { AppealStatus } from './appeal.service';
import { ComplaintIntakeService } from './complaint-intake.service';
import { ComplaintCreatedDto, CreateComplaintDto } from './dto/create-complaint.dto';
import { TrackingService, TrackingView } from './tracking.service';
import { IntakeRateLimitGuard } from './intake-rate-limit.guard';
import { UPLOAD_FIELDS, UPLOAD_OPTIONS } from './upload-limits';
import type { UploadedPart } from './evidence-storage';

type Uploads = Record<string, Express.Multer.File[] | undefined> | undefined;

export function partsOf(files: Uploads): UploadedPart[] {
  return Object.values(files ?? {}).flatMap((list) => list ?? []);
}

/** What FileFieldsInterceptor(UPLOAD_FIELDS, UPLOAD_OPTIONS) runs (no MulterModule options here). */
const complaintUploads = multer(applyDefaultLimits(mergeMulterOptions({}, UPLOAD_OPTIONS)) as multer.Options).fields(
  UPLOAD_FIELDS,
);

@ApiTags('complaints')
@Controller('api/v1')
export class ComplaintsApiController {
  constructor(
    private readonly intake: ComplaintIntakeService,
    private readonly tracking: TrackingService,
    private readonly answers: AnswerService,
    private readonly appeals: AppealService,
  ) {}

  @Public()
  @Post('complaints')
  @HttpCode(201)
  @UseGuards(IntakeRateLimitGuard)
  @ApiOperation({
    summary: 'File a complaint',
    description:
      'JSON, or multipart/form-data with a `complaint` field holding the same JSON and `evidence` files (PDF, JPEG, PNG, WebP; ≤10 MB each, ≤5) plus an `authorisation` file (agents) and an `identity` file (proof of identity, required for cn-personal-rights: 民法典 Art. 1195; seen by staff only). A repeat with the same Idempotency-Key returns the same case and sends nothing twice.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ type: CreateComplaintDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: ComplaintCreatedDto })
  @ApiResponse({
    status: 422,
    description: '{ statusCode, code: "VALIDATION", message, details: [{ field, rule, message }] }',
  })
  @ApiResponse({ status: 409, description: 'Idempotency-Key reused with a different body' })
  @ApiResponse({ status: 413, description: 'Body or a file too large' })
  @ApiResponse({ status: 429, description: 'Rate limit (INTAKE_RATE_LIMIT per IP per minute)' })
  @ApiResponse({
    status: 503,
    description:
      'UNAVAILABLE: evidence could not be stored (disk full or read-only); nothing was saved. Retry after Retry-After seconds.',
  })
  async create(
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ComplaintCreatedDto> {
    // Uploads are parsed here, after the guard as FileFieldsInterceptor would, and with the same
    // multer and error mapping (runMulter), but only for a multipart body: any interceptor puts
    // every request through Nest's interceptor pipeline (rxjs, async hooks), a JSON filing too.
    if (req.is('multipart')) await runMulter(complaintUploads, req, res);
    const body: unknown = req.body;
    const files = req.files as Uploads;
    const result = await this.intake.submit(this.complaintBody(req, body), partsOf(files), {
      idempotencyKey,
      ip: req.ip,
      channel: 'api',
    });
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Location', `/api/v1/complaints/${result.reference}`);
    return { reference: result.reference, state: result.state, trackingUrl: result.trackingUrl };
  }

  @Public()
  @Post('track/:token/answer')
  @HttpCode(200)
  @UseGuards(IntakeRateLimitGuard)
  @UseInterceptors(FileFieldsInterceptor([{ name: 'evidence', maxCount: 5 }], UPLOAD_OPTIONS))
  @ApiOperation({
    summary:
      'The complainant answers a request for information: `answer` text (JSON or multipart) and optional `evidence` files',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  async answer(
    @Param('token') token: string,
    @Body() body: { answer?: unknown } | undefined,
    @UploadedFiles() files: Uploads,
  ): Promise<{ reference: string; state: string }> {
    const text = typeof body?.answer === 'string' ? body.answer : '';
    const result = await this.answers.answer(token, text, partsOf(files));
    return { reference: result.reference, state: result.state };
  }

  @Public()
  @Get('track/:token')
  @ApiOperation({ summary: "The complainant's view of a case, by the private tracking token" })
  @ApiOkResponse({
    description:
      '{ reference, state, legalBasis, receivedAt, items, timeline, appeals: { canAppeal, appealUntil, windowClosed, appeal, canWithdraw } }',
  })
  async track(@Param('token') token: string): Promise<TrackingView & { appeals: AppealStatus }> {
    const view = await this.tracking.find(token, 'en');
    return { ...view, appeals: await this.appeals.status('complainant', token) };
  }

  @Public()
  @Post('track/:token/appeal')
  @HttpCode(200)
  @UseGuards(IntakeRateLimitGuard)
  @UseInterceptors(FileFieldsInterceptor([{ name: 'evidence', maxCount: 5 }], UPLOAD_OPTIONS))
  @ApiOperation({
    summary:
      'The complainant appeals a rejection, a restoration or a partly granted decision (DSA Art. 20) within APPEAL_MONTHS: `appeal` text (JSON or multipart) and optional `evidence` files. Free of charge.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiResponse({
    status: 403,
    description: 'APPEAL_WINDOW_CLOSED (the window ended), APPEAL_NOT_OPEN (nothing to appeal, or appealed already)',
  })
  async appeal(
    @Param('token') token: string,
    @Body() body: { appeal?: unknown } | undefined,
    @UploadedFiles() files: Uploads,
  ): Promise<{ reference: string; state: string }> {
    const text = typeof body?.appeal === 'string' ? body.appeal : '';
    const result = await this.appeals.appealAsComplainant(token, text, partsOf(files));
    return { reference: result.reference, state: result.state };
  }

  @Public()
  @Post('track/:token/withdraw')
  @HttpCode(200)
  @UseGuards(IntakeRateLimitGuard)
  @ApiOperation({
    summary:
      'The complainant withdraws the complaint before a final outcome; it cannot be undone, so the body must be { "confirm": true }. What rested only on this case is reversed and the owner told.',
  })
  async withdraw(
    @Param('token') token: string,
    @Body() body: { confirm?: unknown } | undefined,
  ): Promise<{ reference: string; state: string }> {
    if (body?.confirm !== true)
      throw new ValidationError([
        { field: 'confirm', rule: 'required', message: 'a withdrawal cannot be undone: send { "confirm": true }' },
      ]);
    const result = await this.appeals.withdraw(token);
    return { reference: result.reference, state: result.state };
  }

  @Public()
  @Post('respond/:token/appeal')
  @HttpCode(200)
  @UseGuards(IntakeRateLimitGuard)
  @UseInterceptors(FileFieldsInterceptor([{ name: 'evidence', maxCount: 5 }], UPLOAD_OPTIONS))
  @ApiOperation({
    summary:
      'A content owner appeals a decision that acted on their article (DSA Art. 20), by their private response link: `appeal` text and optional `evidence` files',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  async ownerAppeal(
    @Param('token') token: string,
    @Body() body: { appeal?: unknown } | undefined,
    @UploadedFiles() files: Uploads,
  ): Promise<{ reference: string; state: string }> {
    const text = typeof body?.appeal === 'string' ? body.appeal : '';
    const result = await this.appeals.appealAsOwner(token, text, partsOf(files));
    return { reference: result.reference, state: result.state };
  }

  /** multipart carries the JSON in a `complaint` field; malformed JSON there is a 400 like a JSON body. */
  private complaintBody(req: Request, body: unknown): unknown {
    if (!req.is('multipart/form-data')) return body;
    const raw = (body as Record<string, unknown> | undefined)?.complaint;
    if (typeof raw !== 'string') return raw;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new DomainError(ErrorCode.BAD_REQUEST, 'The `complaint` field is not valid JSON');
    }
  }
}
