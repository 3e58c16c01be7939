import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { validateBody } from '../complaints/complaint-validation';
import { ComplaintsService } from '../complaints/complaints.service';
import { CaseService, CaseView } from './case.service';
import { TransitionDto, TransitionResultDto } from './dto/transition.dto';

@ApiTags('moderation')
@ApiBearerAuth()
@Roles('moderator', 'admin')
@Controller('api/v1/complaints')
export class CaseApiController {
  constructor(
    private readonly cases: CaseService,
    private readonly complaints: ComplaintsService,
  ) {}

  @Get(':reference')
  @ApiOperation({
    summary: 'A case with items, evidence, snapshot, timeline, mail, notes and the actions open to you',
    description:
      '`actions[]` is the list the case page renders, generated from the state table: per action `to`, `kind`, `needs` (required), `optional`, and `fields[]` ({ name, need, type: text | lines | remedies | reference | date, required }, with remedy `choices` per item or duplicate `candidates`). POST the fields with `to` and `version` to /transitions.',
  })
  async view(@Param('reference') reference: string, @CurrentUser() user: StaffPrincipal): Promise<CaseView> {
    return this.cases.view(reference, user);
  }

  @Post(':reference/transitions')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Move a case: claim (in_review), release (received), request info (needs_info), reject, uphold (actioned), escalate, approve/send back (admin, never the proposer), mark duplicate (duplicate, with duplicateOf), not process (not_processed: admins, with reasons, only after a misuse warning to the address recorded before the notice: POST …/warnings).',
  })
  @ApiOkResponse({ type: TransitionResultDto })
  @ApiResponse({ status: 409, description: 'CONFLICT (the case moved since `version`) or ILLEGAL_TRANSITION' })
  @ApiResponse({
    status: 403,
    description:
      'FORBIDDEN (your role or person may not), SECOND_PERSON_REQUIRED (you proposed this escalation), NO_PRIOR_WARNING (not_processed without a prior misuse warning)',
  })
  @ApiResponse({
    status: 422,
    description:
      'VALIDATION (reasons, missing items, remedies or a valid duplicateOf are missing) or WIDER_THAN_PROPOSED (an approval reaching further than the proposal)',
  })
  async transition(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<TransitionResultDto> {
    const dto = await validateBody(TransitionDto, body);
    const result = await this.complaints.transition(
      { reference, ...dto },
      { role: user.role, id: user.id, name: user.displayName },
    );
    return { state: result.state, version: result.version };
  }

  @Post(':reference/mail/:jobId/resend')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Send one of the case’s messages to a party again (a new job; a private link in it is new)',
    description:
      'Only a message to the complainant or an owner of one of the case’s articles, sent or failed; 409 CONFLICT while a copy of it still waits, after three copies of one message, or for any other message; 404 for a message of another case.',
  })
  async resendMail(
    @Param('reference') reference: string,
    @Param('jobId') jobId: string,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ jobId: string }> {
    return this.cases.resendMail(reference, jobId, user);
  }

  @Post(':reference/notes')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add an internal note (never sent to a party)' })
  async note(
    @Param('reference') reference: string,
    @Body() body: { body?: unknown },
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ ok: true }> {
    const text = typeof body?.body === 'string' ? body.body.trim() : '';
    if (!text) throw new ValidationError([{ field: 'body', rule: 'required', message: 'is required' }]);
    await this.cases.addNote(reference, user, text.slice(0, 10000));
    return { ok: true };
  }
}
