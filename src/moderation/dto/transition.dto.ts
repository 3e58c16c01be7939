import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { COMPLAINT_STATES, STAFF_ACTIONS } from '../../complaints/complaint-state';
import type { ComplaintState, StaffAction } from '../../complaints/complaint-state';
import { REMEDIES } from '../../complaints/complaint-item.entity';
import { DECISION_GROUNDS, GROUND_TEXT_MAX, STATEMENT_CATEGORIES } from '../../complaints/decision-ground';
import type { DecisionGround, StatementCategory } from '../../complaints/decision-ground';
import type { Remedy } from '../../complaints/complaint-item.entity';

export class RemedyDto {
  @ApiProperty({ description: 'Item position (0-based, as in the case view)' })
  @IsInt()
  @Min(0)
  item: number;

  @ApiProperty({ enum: REMEDIES })
  @IsIn(REMEDIES)
  remedy: Remedy;

  @ApiPropertyOptional({ description: 'Correction note or instructions for the newsroom' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  text?: string;
}

export class TransitionDto {
  @ApiProperty({ enum: COMPLAINT_STATES })
  @IsIn(COMPLAINT_STATES)
  to: ComplaintState;

  @ApiPropertyOptional({
    enum: STAFF_ACTIONS,
    description:
      'The action (the `kind` of an allowed action); needed where two actions lead to the same state: counter_notice_incomplete (with `missing`) or counter_notice_invalid (with `reason`)',
  })
  @IsOptional()
  @IsIn(STAFF_ACTIONS)
  action?: StaffAction;

  @ApiProperty({ description: 'The version you loaded; 409 CONFLICT when the case moved since' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version: number;

  @ApiPropertyOptional({
    description:
      'Reasons (required to reject, uphold, escalate, send back). Approving an escalation: optional; the proposer’s reasons stand unless new ones are given',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  reason?: string;

  @ApiPropertyOptional({ type: [String], description: 'needs_info: what is missing' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(1000, { each: true })
  missing?: string[];

  @ApiPropertyOptional({ description: 'needs_info: a message to the complainant' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  message?: string;

  @ApiPropertyOptional({
    type: [RemedyDto],
    description:
      'actioned / escalated: a remedy for every item. Approving an escalation: omit to approve as proposed, or give the proposed remedy or a less reaching one per item (no_action < add_attribution = add_correction < edit_passage < remove_image < remove_article); anything wider is 422 WIDER_THAN_PROPOSED',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => RemedyDto)
  remedies?: RemedyDto[];

  @ApiPropertyOptional({
    description:
      'duplicate (mark_duplicate): the reference of the same complainant’s earlier case that is still undecided (received, in review, needs info or escalated)',
    example: 'ND-2026-000100',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  duplicateOf?: string;

  @ApiPropertyOptional({
    description: 'An edge that needs a date (`date` in its `actions[].needs`): a calendar date',
    example: '2026-12-31',
  })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  @IsISO8601({ strict: true })
  date?: string;

  @ApiPropertyOptional({
    enum: DECISION_GROUNDS,
    description:
      'Deciding (uphold, reject, approve, appeal_action; need `ground`): the ground of the statement of reasons. Omitted: the default listed in `actions[].fields[].default` (the legal basis’s)',
  })
  @IsOptional()
  @IsIn(DECISION_GROUNDS)
  decisionGround?: DecisionGround;

  @ApiPropertyOptional({
    enum: STATEMENT_CATEGORIES,
    description: 'Deciding: the category of the statement of reasons (EU DSA Transparency Database vocabulary)',
  })
  @IsOptional()
  @IsIn(STATEMENT_CATEGORIES)
  category?: StatementCategory;

  @ApiPropertyOptional({
    description:
      'Deciding: the law or policy relied on (illegal_content_legal_ground / incompatible_content_ground); published, so no name or contact detail (422 personalData)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(GROUND_TEXT_MAX)
  legalGround?: string;

  @ApiPropertyOptional({
    description: 'Deciding: why the content is illegal or incompatible (…_explanation); published, no personal data',
  })
  @IsOptional()
  @IsString()
  @MaxLength(GROUND_TEXT_MAX)
  groundExplanation?: string;

  @ApiPropertyOptional({ description: 'An internal note (never sent to a party)' })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  note?: string;
}

export class TransitionResultDto {
  @ApiProperty({ enum: COMPLAINT_STATES }) state: string;
  @ApiProperty() version: number;
}
