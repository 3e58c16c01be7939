import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { translate } from '../common/i18n';
import { isLocale } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { readPeriodForm, sectionView } from './figures-view';
import { STATEMENTS, TransparencyService, transparencyJson, yearQuery } from './transparency.service';

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
      sections: r.sections.map((s) => sectionView(s, period, locale)),
      generatedAt: this.clock.now().toISOString().slice(0, 16).replace('T', ' '),
    });
  }
}
