import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { translate } from '../common/i18n';
import { isLocale } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { readPeriodForm, sectionView } from './figures-view';
import { FiguresService, sectionCsv, sectionJson } from './figures.service';
import { parsePeriod, PERIOD_KINDS } from './report-period';
import { sendSection, splitSectionFile } from './figures-export';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * GET /staff/reports (templates/views/staff/reports.hbs): every report section for the chosen
 * period as an SVG chart and a table; GET /staff/reports/<section>.csv|.json: one section's export.
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/reports')
export class FiguresPagesController {
  constructor(
    private readonly figures: FiguresService,
    private readonly clock: Clock,
  ) {}

  @Get()
  async page(
    @Query() query: Record<string, unknown>,
    @CurrentUser() user: StaffPrincipal | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const { period, errors } = readPeriodForm(query, this.clock.now(), locale);
    const sections = period ? await this.figures.all(period, locale) : [];
    const form = {
      kind: str(query.kind) || 'month',
      month: str(query.month) || period?.query.month || '',
      year: str(query.year) || period?.query.year || period?.firstDay.slice(0, 4) || '',
      quarter: str(query.quarter) || period?.query.quarter || '',
      from: str(query.from) || period?.firstDay || '',
      to: str(query.to) || period?.lastDay || '',
    };
    res.setHeader('Cache-Control', 'no-store');
    res.status(errors ? 422 : 200).render('staff/reports', {
      title: translate(locale, 'figures.title'),
      currentPath: '/staff/reports',
      staff: user ?? null,
      form,
      kindOptions: PERIOD_KINDS.map((k) => ({ value: k, selected: form.kind === k })),
      quarterOptions: ['1', '2', '3', '4'].map((q) => ({ value: q, selected: form.quarter === q })),
      period,
      sections: period ? sections.map((s) => sectionView(s, period, locale)) : [],
      generatedAt: this.clock.now().toISOString().slice(0, 16).replace('T', ' '),
      errors: errors?.list ?? [],
      fieldErrors: errors?.byField ?? {},
      hasErrors: !!errors,
    });
  }

  @Get(':file')
  async export(@Param('file') file: string, @Query() query: Record<string, unknown>, @Res() res: Response) {
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const { section, format } = splitSectionFile(file, 'json');
    const period = parsePeriod(query, this.clock.now());
    const s = await this.figures.section(section, period, locale);
    sendSection(res, format === 'csv' ? sectionCsv(s) : sectionJson(s, period), format, s.key, period);
  }
}
