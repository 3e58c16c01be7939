import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeController,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { translate } from '../common/i18n';
import { isLocale } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { readPeriodForm, sectionView } from './figures-view';
import { parseFormat, sendSection, splitSectionFile } from './figures-export';
import { sectionCsv, sectionJson } from './figures.service';
import type { ReportPeriod } from './report-period';
import {
  STATEMENTS,
  TransparencyService,
  transparencyJson,
  transparencySection,
  yearQuery,
} from './transparency.service';

const localeOf = (res: Response): Locale => (isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN');

/**
 * GET /api/v1/reports/transparency?year=YYYY: the yearly transparency report as JSON, admins only.
 * Registered before FiguresApiController so its `:section` route does not take the name.
 */
@ApiTags('reports')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/reports/transparency')
export class TransparencyApiController {
  constructor(
    private readonly transparency: TransparencyService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The yearly transparency report (DSA Art. 15 and 24; 网络信息内容生态治理规定 Art. 17)' })
  @ApiQuery({ name: 'year', required: false, description: 'YYYY; default the current year (Beijing time)' })
  @ApiResponse({ status: 200, description: '{ year, period, summary, statements, sections }' })
  @ApiResponse({ status: 422, description: 'The year is invalid' })
  async get(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) res: Response) {
    const period = this.transparency.period(query, this.clock.now());
    return transparencyJson(await this.transparency.report(period, localeOf(res)));
  }

  @Get(':section')
  @ApiOperation({ summary: 'One section of the transparency report as JSON or CSV (`actions-by-category.csv`)' })
  @ApiParam({ name: 'section', description: 'a section key of the report, e.g. actions-by-category' })
  @ApiQuery({ name: 'year', required: false, description: 'YYYY; default the current year (Beijing time)' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiResponse({ status: 404, description: 'No such section' })
  @ApiResponse({ status: 422, description: 'The year or the format is invalid' })
  async section(@Param('section') file: string, @Query() query: Record<string, unknown>, @Res() res: Response) {
    const split = splitSectionFile(file, parseFormat(query.format, 'json'));
    const period = this.transparency.period(query, this.clock.now());
    await exportSection(this.transparency, res, split, period);
  }
}

/** One section of the year's report as a CSV or JSON download (the same shape as the period reports'). */
async function exportSection(
  transparency: TransparencyService,
  res: Response,
  split: { section: string; format: 'csv' | 'json' },
  period: ReportPeriod,
): Promise<void> {
  const s = transparencySection(await transparency.report(period, localeOf(res), split.section), split.section);
  sendSection(res, split.format === 'csv' ? sectionCsv(s) : sectionJson(s, period), split.format, s.key, period);
}

/**
 * GET /staff/reports/transparency?year=YYYY (templates/views/staff/transparency.hbs): the same
 * report as a printable document. Registered before FiguresPagesController (its `:file` route).
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/reports/transparency')
export class TransparencyPagesController {
  constructor(
    private readonly transparency: TransparencyService,
    private readonly clock: Clock,
  ) {}

  @Get()
  async page(
    @Query() query: Record<string, unknown>,
    @CurrentUser() user: StaffPrincipal | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const locale = localeOf(res);
    const t = (k: string) => translate(locale, k);
    res.setHeader('Cache-Control', 'no-store');
    // An unreadable year: the year form again with the message beside the field (422), as /staff/reports does.
    const read = readPeriodForm(yearQuery(query), this.clock.now(), locale);
    if (!read.period) {
      res.status(422).render('staff/transparency', {
        title: t('transparency.link.label'),
        currentPath: '/staff/reports',
        staff: user ?? null,
        formYear: typeof query.year === 'string' ? query.year : '',
        errors: read.errors.list,
        fieldErrors: read.errors.byField,
        hasErrors: true,
      });
      return;
    }
    const period = read.period;
    const r = await this.transparency.report(period, locale);
    const statement = (key: string, text: string) => ({ key, text });
    res.render('staff/transparency', {
      title: translate(locale, 'transparency.title', { year: String(r.year) }),
      currentPath: '/staff/reports',
      staff: user ?? null,
      year: r.year,
      formYear: String(r.year),
      fieldErrors: {},
      period,
      summary: Object.entries(r.summary).map(([key, v]) => ({
        key,
        label: t(`transparency.summary.${key}`),
        value: v === null ? '' : String(v),
        text: v === null ? '—' : String(v),
      })),
      statements: [
        statement('automated_means', t('transparency.statement.automated_means')),
        statement('out_of_court_disputes', t('transparency.statement.out_of_court_disputes')),
        statement('average_monthly_active_recipients', t('transparency.statement.average_monthly_active_recipients')),
      ],
      statementsJson: STATEMENTS,
      sections: r.sections.map((s) => ({
        ...sectionView(s, period, locale),
        csvHref: `/staff/reports/transparency/${s.key}.csv?year=${r.year}`,
        jsonHref: `/staff/reports/transparency/${s.key}.json?year=${r.year}`,
      })),
      generatedAt: this.clock.now().toISOString().slice(0, 16).replace('T', ' '),
    });
  }

  /** GET /staff/reports/transparency/<section>.csv|.json?year=YYYY: one section's download (linked on the page). */
  @Get(':file')
  async export(@Param('file') file: string, @Query() query: Record<string, unknown>, @Res() res: Response) {
    const period = this.transparency.period(query, this.clock.now());
    await exportSection(this.transparency, res, splitSectionFile(file, 'json'), period);
  }
}
