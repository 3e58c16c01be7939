import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { LEGAL_BASES } from '../complaints/legal-basis';
import { DISMISS_CATEGORIES, INBOX_STATUSES, InboxReviewService } from './inbox-review.service';
import type { FileAction, InboxDetail, InboxListItem } from './inbox-review.service';

class InboxComplainantDto {
  @ApiProperty({ description: "The complainant's name (default: the sender's display name)" })
  name: string;
  @ApiPropertyOptional() phone?: string;
  @ApiPropertyOptional() address?: string;
  @ApiPropertyOptional() organisation?: string;
}

class InboxOriginalWorkDto {
  @ApiProperty() description: string;
  @ApiPropertyOptional() url?: string;
}

class InboxStatedDto {
  @ApiPropertyOptional({ description: 'the message states that its content is accurate' }) truthful?: boolean;
  @ApiPropertyOptional({ description: 'the message states a good-faith belief that the use is not authorised' })
  goodFaith?: boolean;
  @ApiPropertyOptional({ description: 'the message makes its statements under penalty of perjury (DMCA)' })
  perjury?: boolean;
}

/** One body for the three outcomes; which fields apply depends on `action`. */
export class FileInboxMessageDto {
  @ApiProperty({ enum: ['new_case', 'attach', 'dismiss'] })
  action: 'new_case' | 'attach' | 'dismiss';
  @ApiPropertyOptional({ enum: LEGAL_BASES, description: 'new_case: the legal basis' })
  legalBasis?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'new_case: the articles concerned (canonical URL or /articles/<slug>)',
  })
  articleUrls?: string[];
  @ApiPropertyOptional({
    type: InboxComplainantDto,
    description: 'new_case: the sender is the complainant (email = From)',
  })
  complainant?: InboxComplainantDto;
  @ApiPropertyOptional({ description: "new_case: the statement (default: the email's text without quoted history)" })
  explanation?: string;
  @ApiPropertyOptional({ type: InboxOriginalWorkDto })
  originalWork?: InboxOriginalWorkDto;
  @ApiPropertyOptional({
    type: InboxStatedDto,
    description:
      'new_case: the declarations the message itself makes (true only where it says so); a basis that requires one it lacks answers 422',
  })
  stated?: InboxStatedDto;
  @ApiPropertyOptional({ description: 'attach: the reference of the existing case (ND-YYYY-NNNNNN)' })
  reference?: string;
  @ApiPropertyOptional({ enum: DISMISS_CATEGORIES, description: 'dismiss: why it is not a complaint' })
  category?: string;
  @ApiPropertyOptional({ description: 'dismiss: the reason, kept with the audit event' })
  reason?: string;
}

function toAction(b: FileInboxMessageDto): FileAction {
  const body = (typeof b === 'object' && b !== null ? b : {}) as Partial<FileInboxMessageDto>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  switch (body.action) {
    case 'attach':
      return { action: 'attach', reference: str(body.reference) };
    case 'dismiss':
      return { action: 'dismiss', category: str(body.category), reason: str(body.reason) };
    case 'new_case':
      return {
        action: 'new_case',
        legalBasis: str(body.legalBasis),
        articleUrls: Array.isArray(body.articleUrls) ? body.articleUrls.filter((u) => typeof u === 'string') : [],
        complainant: {
          name: str(body.complainant?.name),
          phone: str(body.complainant?.phone) || undefined,
          address: str(body.complainant?.address) || undefined,
          organisation: str(body.complainant?.organisation) || undefined,
        },
        explanation: str(body.explanation),
        stated: {
          truthful: body.stated?.truthful === true,
          goodFaith: body.stated?.goodFaith === true,
          perjury: body.stated?.perjury === true,
        },
        originalWork: body.originalWork?.description
          ? { description: str(body.originalWork.description), url: str(body.originalWork.url) || undefined }
          : undefined,
      };
    default:
      throw new ValidationError([{ field: 'action', rule: 'invalid', message: 'new_case, attach or dismiss' }]);
  }
}

/** The staff mailbox over JSON: messages sent to the contact address that no case holds yet. */
@ApiTags('inbox')
@ApiBearerAuth()
@Roles('moderator', 'admin')
@Controller('api/v1/inbox')
export class InboxApiController {
  constructor(private readonly review: InboxReviewService) {}

  @Get()
  @ApiOperation({ summary: 'Messages to the contact address (default: unfiled), newest first' })
  @ApiQuery({ name: 'status', required: false, enum: INBOX_STATUSES })
  @ApiQuery({ name: 'q', required: false, description: 'matches subject, sender or text' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  async list(
    @Query('status') status?: string,
    @Query('q') q?: string,
    @Query('limit') limit?: string,
  ): Promise<{ items: InboxListItem[] }> {
    const n = limit ? Number.parseInt(limit, 10) : undefined;
    return {
      items: await this.review.list({ status: status || undefined, q, limit: Number.isFinite(n) ? n : undefined }),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One message: text, sanitised HTML, attachments, refused files, article links, thread' })
  get(@Param('id') id: string): Promise<InboxDetail> {
    return this.review.get(id);
  }

  @Post(':id/file')
  @ApiOperation({
    summary: 'File a message: as a new case (through intake), to an existing case, or as not a complaint',
    description:
      "new_case: the email is the statement, its accepted attachments the evidence, the sender the complainant; the case receipt replies in the sender's thread. attach: joins the case timeline (an answer from the complainant to a request for information moves the case to review). dismiss: spam, press, auto_reply or other, with a reason. 409 when the message was already handled.",
  })
  @ApiBody({ type: FileInboxMessageDto })
  file(
    @Param('id') id: string,
    @Body() body: FileInboxMessageDto,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ status: string; complaintReference: string | null }> {
    return this.review.file(id, toAction(body), user);
  }
}
