import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { RegisterService } from './register.service';
import type { StatementOfReasons } from './statement-of-reasons';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(field: string, v: unknown): Date {
  const s = typeof v === 'string' ? v : '';
  const d = DAY.test(s) ? new Date(`${s}T00:00:00Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new ValidationError([{ field, rule: 'date', message: 'a date YYYY-MM-DD (UTC)' }]);
  return d;
}

/** Statements of reasons (DSA Transparency Database fields) and withholding register entries: admin only. */
@ApiTags('register')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1')
export class StatementsApiController {
  constructor(private readonly register: RegisterService) {}

  @Get('statements')
  @ApiOperation({
    summary: 'Statements of reasons of the decisions first applied in [from, to) (UTC days), at most 1000 (admin)',
  })
  @ApiQuery({ name: 'from', required: true, example: '2026-11-01' })
  @ApiQuery({ name: 'to', required: true, example: '2026-12-01' })
  async batch(@Query('from') from: unknown, @Query('to') to: unknown): Promise<{ statements: StatementOfReasons[] }> {
    const f = parseDay('from', from);
    const t = parseDay('to', to);
    if (t <= f) throw new ValidationError([{ field: 'to', rule: 'after', message: 'must be after from' }]);
    return { statements: await this.register.statements(f, t) };
  }

  @Get('statements/:reference')
  @ApiOperation({ summary: 'The statement of reasons of one decision, without personal data (admin)' })
  async one(@Param('reference') reference: string): Promise<StatementOfReasons> {
    return this.register.statement(reference);
  }

  @Post('notices/:reference/withhold')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withhold a public register entry: { reason } (admin; audit event register.withheld)' })
  async withhold(
    @Param('reference') reference: string,
    @Body() body: { reason?: unknown } | undefined,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ reference: string; withheldAt: string }> {
    return this.register.withhold(reference, body?.reason, user);
  }

  @Delete('notices/:reference/withhold')
  @HttpCode(204)
  @ApiOperation({ summary: 'Publish a withheld register entry again (admin; audit event register.released)' })
  async release(@Param('reference') reference: string, @CurrentUser() user: StaffPrincipal): Promise<void> {
    await this.register.release(reference, user);
  }
}
