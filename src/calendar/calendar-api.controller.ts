import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { isRegion, REGIONS } from './calendar-date';
import type { OverrideRow } from './calendar-override.repository';
import { CalendarOverridesService } from './calendar-overrides.service';
import type { Coverage } from './holiday-sources';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The calendar's overrides as JSON (admin only; personal API token, or session + x-csrf-token). */
@ApiTags('calendar')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/calendar/overrides')
export class CalendarApiController {
  constructor(private readonly overrides: CalendarOverridesService) {}

  @Get()
  @ApiOperation({
    summary:
      "A year's overrides (default: the current year in China), the packages' coverage of it, and whether next year's Chinese holidays are in the package (admin)",
  })
  @ApiQuery({ name: 'year', required: false, type: Number })
  @ApiQuery({ name: 'region', required: false, enum: REGIONS })
  async list(
    @Query('year') year: unknown,
    @Query('region') region: unknown,
  ): Promise<{ year: number; items: OverrideRow[]; coverage: Coverage[]; nextYear: Coverage }> {
    const r = str(region);
    if (r && !isRegion(r))
      throw new ValidationError([{ field: 'region', rule: 'invalid', message: `one of ${REGIONS.join(', ')}` }]);
    const y = this.overrides.parseYear(str(year));
    const view = await this.overrides.yearView(y);
    return {
      year: y,
      items: r ? view.overrides.filter((o) => o.region === r) : view.overrides,
      coverage: r ? view.coverage.filter((c) => c.region === r) : view.coverage,
      nextYear: view.nextYear,
    };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: "Add an override: { region: 'cn'|'us', date: 'YYYY-MM-DD', kind: 'working'|'holiday', note? } (admin)",
  })
  async add(@Body() body: unknown, @CurrentUser() user: StaffPrincipal): Promise<OverrideRow> {
    return this.overrides.add(this.overrides.parse(body), user);
  }

  @Delete(':region/:date')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the override of a region and date (admin)' })
  async remove(
    @Param('region') region: string,
    @Param('date') date: string,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<void> {
    const key = this.overrides.key(region, date);
    await this.overrides.remove(key.region, key.date, user);
  }
}
