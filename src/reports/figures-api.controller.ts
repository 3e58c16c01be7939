import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { isLocale } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { parseFormat, sendSection, splitSectionFile } from './figures-export';
import { FiguresService, SECTIONS, sectionCsv, sectionJson } from './figures.service';
import { parsePeriod, PERIOD_KINDS } from './report-period';

const PERIOD_QUERIES = [
  { name: 'kind', required: false, enum: PERIOD_KINDS, description: 'Default month (the current one, Beijing time)' },
  { name: 'month', required: false, description: 'kind=month: YYYY-MM' },
  { name: 'year', required: false, description: 'kind=quarter or year: YYYY' },
  { name: 'quarter', required: false, description: 'kind=quarter: 1–4' },
  { name: 'from', required: false, description: 'kind=custom: first day, YYYY-MM-DD (Beijing time)' },
  { name: 'to', required: false, description: 'kind=custom: last day, inclusive' },
];
const periodQueries = (): MethodDecorator => (target, key, descriptor) => {
  for (const q of PERIOD_QUERIES) ApiQuery(q)(target, key, descriptor);
};

/** The period reports as JSON (all sections, or one) and one section as CSV: admins only. */
@ApiTags('reports')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/reports')
export class FiguresApiController {
  constructor(
    private readonly figures: FiguresService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every report section for a period: columns (with units) and rows of figures' })
  @periodQueries()
  @ApiResponse({ status: 200, description: '{ period, sections: [{ section, period, columns, rows }] }' })
  @ApiResponse({ status: 422, description: 'The period is invalid' })
  async all(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) res: Response) {
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const period = parsePeriod(query, this.clock.now());
    const sections = await this.figures.all(period, locale);
    return {
      period: {
        kind: period.kind,
        firstDay: period.firstDay,
        lastDay: period.lastDay,
        from: period.from,
        to: period.to,
      },
      sections: sections.map((s) => sectionJson(s, period)),
    };
  }

  @Get(':section')
  @ApiOperation({ summary: 'One report section as JSON or CSV (`by-basis.csv`, or `?format=csv`)' })
  @ApiParam({ name: 'section', enum: SECTIONS })
  @periodQueries()
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiResponse({ status: 404, description: 'No such section' })
  @ApiResponse({ status: 422, description: 'The period or the format is invalid' })
  async one(@Param('section') file: string, @Query() query: Record<string, unknown>, @Res() res: Response) {
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const split = splitSectionFile(file, parseFormat(query.format, 'json'));
    const period = parsePeriod(query, this.clock.now());
    const s = await this.figures.section(split.section, period, locale);
    sendSection(res, split.format === 'csv' ? sectionCsv(s) : sectionJson(s, period), split.format, s.key, period);
  }
}
