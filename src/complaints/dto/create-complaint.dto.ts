import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsHttpUrl } from '../../common/http-url';
import { LEGAL_BASES, LOCALES, REQUESTER_CATEGORIES } from '../legal-basis';
import type { LegalBasis, Locale, RequesterCategory } from '../legal-basis';

export class ComplainantDto {
  @ApiProperty({ description: 'Full legal name (real identity for Chinese legal bases)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty()
  @IsEmail({}, { message: 'must be a valid email address' })
  @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ description: 'Required for us-dmca' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  phone?: string;

  @ApiPropertyOptional({ description: 'Postal address; required for cn-copyright and us-dmca' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  address?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  organisation?: string;

  @ApiPropertyOptional({ description: 'The rights holder an agent files for; an authorisation file is then required' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actingFor?: string;
}

export class ComplaintItemDto {
  @ApiProperty({ description: 'URL of one of our articles (GET /api/v1/articles): absolute http(s)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  @IsHttpUrl()
  articleUrl: string;

  @ApiProperty({ enum: ['article', 'image', 'passage'] })
  @IsIn(['article', 'image', 'passage'])
  kind: 'article' | 'image' | 'passage';

  @ApiPropertyOptional({ description: 'image: the image id or URL; passage: the quoted passage; article: a note' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  detail?: string;
}

export class OriginalWorkDto {
  @ApiProperty({ description: 'The work claimed and where the original is' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  description: string;

  @ApiPropertyOptional({ description: 'Where the original is: an absolute http:// or https:// URL' })
  @IsOptional()
  @IsHttpUrl()
  @MaxLength(2000)
  url?: string;
}

export class DeclarationsDto {
  @ApiProperty({ description: 'The information is accurate; I know a wrongful notice may make me liable' })
  @IsBoolean()
  truthful: boolean;

  @ApiPropertyOptional({ description: 'Good-faith statement; required for us-dmca and eu-dsa' })
  @IsOptional()
  @IsBoolean()
  goodFaith?: boolean;

  @ApiPropertyOptional({ description: 'us-dmca: under penalty of perjury, authorised to act for the owner' })
  @IsOptional()
  @IsBoolean()
  perjury?: boolean;
}

export class CreateComplaintDto {
  @ApiProperty({ enum: LEGAL_BASES })
  @IsIn(LEGAL_BASES, { message: `must be one of ${LEGAL_BASES.join(', ')}` })
  legalBasis: LegalBasis;

  @ApiPropertyOptional({ enum: LOCALES, default: 'zh-CN' })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;

  @ApiPropertyOptional({
    enum: REQUESTER_CATEGORIES,
    description:
      'Who files, as the public notice may name it: agent (with actingFor and an authorisation file), the rights holder, or a person concerned. Default: agent when actingFor is given, person_concerned for cn-personal-rights and accuracy, else rights_holder',
  })
  @IsOptional()
  @IsIn(REQUESTER_CATEGORIES, { message: `must be one of ${REQUESTER_CATEGORIES.join(', ')}` })
  requesterCategory?: RequesterCategory;

  @ApiProperty({ type: ComplainantDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ComplainantDto)
  complainant: ComplainantDto;

  @ApiProperty({ type: [ComplaintItemDto], minItems: 1, maxItems: 10 })
  @IsArray()
  @ArrayMinSize(1, { message: 'name at least one item' })
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => ComplaintItemDto)
  items: ComplaintItemDto[];

  @ApiPropertyOptional({ type: OriginalWorkDto, description: 'Required for cn-copyright and us-dmca' })
  @IsOptional()
  @ValidateNested()
  @Type(() => OriginalWorkDto)
  originalWork?: OriginalWorkDto;

  @ApiProperty({ description: 'What is wrong and why (accuracy: which statement and why)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  explanation: string;

  @ApiPropertyOptional({ description: 'us-dmca: your full name as an electronic signature' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  signature?: string;

  @ApiProperty({ type: DeclarationsDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeclarationsDto)
  declarations: DeclarationsDto;
}

export class ComplaintCreatedDto {
  @ApiProperty({ example: 'ND-2026-000123' }) reference: string;
  @ApiProperty({
    enum: ['received'],
    description:
      'Always `received`: a filing joined to an earlier case of the same address is answered like any other (its owner is told by mail)',
  })
  state: string;
  @ApiProperty({
    description:
      'Private link for the complainant (unguessable token). On a replay of the same Idempotency-Key after IDEMPOTENCY_REPLAY_HOURS: null (the link is in the receipt mail)',
    nullable: true,
    type: String,
  })
  trackingUrl: string | null;
}
