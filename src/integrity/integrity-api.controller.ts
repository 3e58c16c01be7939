import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { IntegrityService } from './integrity.service';
import type { IntegrityRun } from './integrity.service';

class IntegrityRunDto {
  @ApiProperty() id: string;
  @ApiProperty() startedAt: Date;
  @ApiProperty({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiProperty({ description: 'Not finished yet' }) running: boolean;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Intact; null while running' }) ok: boolean | null;
  @ApiProperty({ description: 'Sealed events checked' }) eventsChecked: number;
  @ApiProperty() sealsChecked: number;
  @ApiProperty({ description: 'Recent events not sealed yet' }) unsealed: number;
  @ApiProperty({ nullable: true, type: String, description: 'Verified up to this event' }) lastEventId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Verified up to this seal' }) lastSealId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The newest intact seal hash' }) lastHash: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'First bad event, if broken' }) badEventId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'First bad seal, if broken' }) badSealId: string | null;
  @ApiProperty({ nullable: true, type: String }) problem: string | null;
  @ApiProperty({ description: "A staff id, or 'schedule'" }) triggeredBy: string;
}

class IntegrityStateDto {
  @ApiProperty({ type: IntegrityRunDto, nullable: true, description: 'The newest run (null: never verified)' })
  last: IntegrityRun | null;
}

@ApiTags('audit')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/integrity')
export class IntegrityApiController {
  constructor(private readonly integrity: IntegrityService) {}

  @Get()
  @ApiOperation({ summary: 'The newest audit trail verification run' })
  @ApiOkResponse({ type: IntegrityStateDto })
  async last(): Promise<IntegrityStateDto> {
    return { last: await this.integrity.last() };
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verifies the audit trail now (read-only), records the run and returns it' })
  @ApiOkResponse({ type: IntegrityRunDto })
  verify(@CurrentUser() user: StaffPrincipal): Promise<IntegrityRun> {
    return this.integrity.runNow(user.id);
  }
}
