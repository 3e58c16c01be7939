import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { LEGAL_BASES } from '../complaints/legal-basis';
import { parseQueueQuery, QUEUE_COUNT_CAP, QUEUE_MAX_LIMIT, QUEUE_STATES, QueueService } from './queue.service';
import type { QueuePage } from './queue.service';

class QueueAssigneeDto {
  @ApiProperty() id: string;
  @ApiProperty() displayName: string;
}

class QueueTimeLeftDto {
  @ApiProperty({
    description: 'Whole hours to the due time, rounded away from zero; negative once overdue (-5: five hours late)',
    example: 53,
  })
  hours: number;
  @ApiProperty({
    description:
      'Working days of the case’s calendar from today to the due date (today not counted); negative once overdue: working days lost since the due date',
    example: 2,
  })
  workingDays: number;
  @ApiProperty({
    enum: ['cn', 'us'],
    description: 'Whose working days: China (holidays and 调休), or US federal business days for us-dmca',
  })
  calendar: string;
}

class QueueItemDto {
  @ApiProperty({ example: 'ND-2026-000123' }) reference: string;
  @ApiProperty({ enum: QUEUE_STATES }) state: string;
  @ApiProperty({ enum: LEGAL_BASES }) legalBasis: string;
  @ApiProperty({ description: 'Title of the first item’s article at intake' }) articleTitle: string;
  @ApiProperty() receivedAt: Date;
  @ApiProperty({ nullable: true, type: Date }) dueAt: Date | null;
  @ApiProperty({ description: 'The due time has passed (database time at the read)' }) overdue: boolean;
  @ApiProperty({ type: QueueTimeLeftDto, nullable: true, description: 'Null without a due time' })
  timeLeft: QueueTimeLeftDto | null;
  @ApiPropertyOptional({ type: QueueAssigneeDto, nullable: true }) assignee: QueueAssigneeDto | null;
  @ApiProperty({ description: 'Pass back with a transition (optimistic concurrency)' }) version: number;
  @ApiProperty({ description: 'Filings joined to this case as duplicates' }) duplicates: number;
}

class QueuePageDto {
  @ApiProperty({ type: [QueueItemDto] }) items: QueueItemDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Opaque; pass as `cursor` for the next page' }) nextCursor:
    string | null;
  @ApiProperty({
    description: `Open cases per state under the current filters except \`state\`, exact up to ${QUEUE_COUNT_CAP}`,
    example: { received: 12, in_review: 3 },
  })
  counts: Record<string, number>;
  @ApiProperty({
    enum: QUEUE_STATES,
    isArray: true,
    description: `States with more than ${QUEUE_COUNT_CAP} cases: their count means "at least"`,
  })
  countsCapped: string[];
  @ApiProperty({
    nullable: true,
    type: Number,
    description: `Duplicates joined to the open cases under the current filters except \`state\` (at least ${QUEUE_COUNT_CAP} when it reads ${QUEUE_COUNT_CAP}); null with a search`,
  })
  duplicates: number | null;
}

class NextCaseDto {
  @ApiProperty({ example: 'ND-2026-000123' }) reference: string;
}

@ApiTags('moderation')
@ApiBearerAuth()
@Roles('moderator', 'admin')
@Controller('api/v1/queue')
export class QueueApiController {
  constructor(private readonly queue: QueueService) {}

  @Get()
  @ApiOperation({
    summary: 'Open cases, due first (due_at ASC NULLS LAST, then id), keyset-paginated, with per-state counts',
  })
  @ApiQuery({
    name: 'state',
    required: false,
    description: `One or several, comma-separated: ${QUEUE_STATES.join(', ')}`,
  })
  @ApiQuery({ name: 'legalBasis', required: false, enum: LEGAL_BASES })
  @ApiQuery({ name: 'assignee', required: false, enum: ['me', 'nobody', 'someone'] })
  @ApiQuery({ name: 'overdue', required: false, enum: ['true', 'false'] })
  @ApiQuery({
    name: 'q',
    required: false,
    description:
      'Reference, complainant name or email, article title (3+ characters); shorter matches the start of the reference',
  })
  @ApiQuery({ name: 'limit', required: false, description: `1–${QUEUE_MAX_LIMIT}, default 25` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: QueuePageDto })
  @ApiResponse({ status: 422, description: 'A filter, limit or cursor is invalid' })
  async list(
    @Query() query: Record<string, unknown>,
    @CurrentUser() user: StaffPrincipal | undefined,
  ): Promise<QueuePage> {
    return this.queue.list(parseQueueQuery(query), user?.id);
  }

  /** Until claiming exists as a transition here, "next case" only names the case to open. */
  @Get('next')
  @ApiOperation({ summary: 'The unassigned received case due first; 204 when there is none' })
  @ApiOkResponse({ type: NextCaseDto })
  @ApiNoContentResponse({ description: 'Nothing waiting' })
  async next(@Res({ passthrough: true }) res: Response): Promise<NextCaseDto | undefined> {
    const reference = await this.queue.next();
    if (!reference) {
      res.status(204);
      return undefined;
    }
    return { reference };
  }
}
