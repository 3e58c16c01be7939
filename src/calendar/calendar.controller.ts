import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ConflictError, ValidationError } from '../common/domain-error';
import { REGIONS, weekday } from './calendar-date';
import { CalendarOverridesService, MAX_YEAR, MIN_YEAR, NOTE_MAX } from './calendar-overrides.service';

const str = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
const DONE = new Set(['added', 'removed']);
const WEEKDAYS = {
  en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  'zh-CN': ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
};

interface AddForm {
  region: string;
  date: string;
  kind: string;
  note: string;
}

/**
 * The admin's working-day calendar. GET /staff/calendar?year= renders templates/views/staff/calendar.hbs:
 *   year, prevYear, nextYear (null at the ends of the accepted range)
 *   nextYearBanner  { year, source } when the holiday package lacks next year's Chinese holidays
 *   yearBanner      { year, source } when it lacks the year shown
 *   overrides       [{ region, date, weekday, kind, note, createdBy, createdAt, deleteAction }]
 *   packageDays     [{ region, days: [{ date, weekday, kind, name }] }] what the packages say
 *   form            { region, date, kind, note, regionOptions, kindOptions } (kept on an error)
 *   errors          [{ field, rule }]; done 'added' | 'removed' | null
 * Changes post back here and redirect (303) to the year with ?done=.
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/calendar')
export class CalendarController {
  constructor(private readonly overrides: CalendarOverridesService) {}

  @Get()
  async page(
    @Query('year') year: unknown,
    @Query('done') done: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    let y: number;
    try {
      y = this.overrides.parseYear(str(year));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return this.render(res, 422, user, this.overrides.parseYear(''), {
        errors: [{ field: 'year', rule: 'invalid' }],
      });
    }
    await this.render(res, 200, user, y, { done: DONE.has(str(done)) ? str(done) : null });
  }

  @Post()
  async add(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const form: AddForm = {
      region: str(body?.region),
      date: str(body?.date).trim(),
      kind: str(body?.kind),
      note: str(body?.note).trim(),
    };
    const shown = /^\d{4}-/.test(form.date) ? Number(form.date.slice(0, 4)) : this.overrides.parseYear('');
    const year = shown >= MIN_YEAR && shown <= MAX_YEAR ? shown : this.overrides.parseYear('');
    try {
      const input = this.overrides.parse(form);
      await this.overrides.add(input, user);
      res.redirect(303, `/staff/calendar?year=${input.date.slice(0, 4)}&done=added`);
    } catch (err) {
      if (err instanceof ValidationError)
        return this.render(res, 422, user, year, {
          form,
          errors: err.fields.map((f) => ({ field: f.field, rule: f.rule })),
        });
      if (err instanceof ConflictError)
        return this.render(res, 409, user, year, { form, errors: [{ field: 'date', rule: 'taken' }] });
      throw err;
    }
  }

  @Post(':region/:date/delete')
  async remove(
    @Param('region') region: string,
    @Param('date') date: string,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const key = this.overrides.key(region, date);
    await this.overrides.remove(key.region, key.date, user);
    res.redirect(303, `/staff/calendar?year=${key.date.slice(0, 4)}&done=removed`);
  }

  private async render(
    res: Response,
    status: number,
    user: StaffPrincipal,
    year: number,
    v: { form?: AddForm; errors?: Array<{ field: string; rule: string }>; done?: string | null },
  ): Promise<void> {
    const locale = res.locals.locale === 'en' ? 'en' : 'zh-CN';
    const day = (date: string) => WEEKDAYS[locale][weekday(date)];
    const view = await this.overrides.yearView(year);
    const form = v.form ?? { region: 'cn', date: '', kind: 'holiday', note: '' };
    const cnCoverage = view.coverage.find((c) => c.region === 'cn');
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/calendar', {
      title: locale === 'en' ? 'Working-day calendar' : '工作日日历',
      currentPath: '/staff/calendar',
      staff: user,
      year,
      prevYear: year > MIN_YEAR ? year - 1 : null,
      nextYear: year < MAX_YEAR ? year + 1 : null,
      nextYearBanner: view.nextYear.covered ? null : { year: view.nextYear.year, source: view.nextYear.source },
      yearBanner:
        cnCoverage && !cnCoverage.covered && cnCoverage.year !== view.nextYear.year
          ? { year, source: cnCoverage.source }
          : null,
      overrides: view.overrides.map((o) => ({
        ...o,
        weekday: day(o.date),
        deleteAction: `/staff/calendar/${o.region}/${o.date}/delete`,
      })),
      hasOverrides: view.overrides.length > 0,
      packageDays: REGIONS.map((region) => ({
        region,
        source: view.coverage.find((c) => c.region === region)?.source ?? '',
        covered: view.coverage.find((c) => c.region === region)?.covered ?? false,
        days: view.packageDays[region].map((d) => ({ ...d, weekday: day(d.date) })),
      })),
      form: {
        ...form,
        noteMax: NOTE_MAX,
        regionOptions: REGIONS.map((r) => ({ value: r, selected: r === form.region })),
        kindOptions: ['holiday', 'working'].map((k) => ({ value: k, selected: k === form.kind })),
      },
      errors: v.errors ?? [],
      hasErrors: Boolean(v.errors?.length),
      done: v.done ?? null,
    });
  }
}
