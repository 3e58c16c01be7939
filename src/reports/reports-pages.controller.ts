import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { COMPLAINT_STATES } from '../complaints/complaint-state';
import { isLocale, LEGAL_BASES } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { ACTOR_TYPES, filterQuery, parseAuditQuery, parseCaseQuery } from './reports.filters';
import { ReportsService } from './reports.service';

const CASE_KEYS = ['reference', 'complainant', 'article', 'legalBasis', 'state', 'decider', 'from', 'to'] as const;
const AUDIT_KEYS = ['actor', 'actorType', 'action', 'reference', 'legalBasis', 'from', 'to'] as const;

const raw = (query: Record<string, unknown>, keys: readonly string[]): Record<string, string> =>
  Object.fromEntries(keys.map((k) => [k, filterQuery(query, [k]).get(k) ?? '']));

const withCursor = (base: string, filters: URLSearchParams, cursor: string) => {
  const q = new URLSearchParams(filters);
  q.set('cursor', cursor);
  return `${base}?${q.toString()}`;
};

/**
 * GET /staff/cases (templates/views/staff/cases.hbs) and GET /staff/audit (staff/audit.hbs):
 * read-only admin pages over ReportsService, with the filters as a GET form, a "next page" link
 * carrying the keyset cursor, and (audit) links to the CSV and JSON export of the filtered set.
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff')
export class ReportsPagesController {
  constructor(private readonly reports: ReportsService) {}

  @Get('cases')
  async cases(
    @Query() query: Record<string, unknown>,
    @CurrentUser() user: StaffPrincipal | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const form = raw(query, CASE_KEYS);
    const filters = filterQuery(query, CASE_KEYS);
    let status = 200;
    let errors: Array<{ field: string; rule: string }> = [];
    let page;
    try {
      page = await this.reports.cases(parseCaseQuery(query));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      status = 422;
      errors = err.fields.map((f) => ({ field: f.field, rule: f.rule }));
    }
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/cases', {
      title: translate(locale, 'reports.cases.title'),
      currentPath: '/staff/cases',
      staff: user ?? null,
      form,
      basisOptions: LEGAL_BASES.map((b) => ({ value: b, selected: form.legalBasis === b })),
      stateOptions: COMPLAINT_STATES.map((s) => ({ value: s, selected: form.state === s })),
      items: (page?.items ?? []).map((i) => ({ ...i, receivedAt: i.receivedAt.toISOString() })),
      nextHref: page?.nextCursor ? withCursor('/staff/cases', filters, page.nextCursor) : null,
      firstHref: query.cursor ? `/staff/cases?${filters.toString()}` : null,
      errors,
      hasErrors: errors.length > 0,
    });
  }

  @Get('audit')
  async audit(
    @Query() query: Record<string, unknown>,
    @CurrentUser() user: StaffPrincipal | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const form = raw(query, AUDIT_KEYS);
    const filters = filterQuery(query, AUDIT_KEYS);
    let status = 200;
    let errors: Array<{ field: string; rule: string }> = [];
    let page;
    try {
      page = await this.reports.audit(parseAuditQuery(query));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      status = 422;
      errors = err.fields.map((f) => ({ field: f.field, rule: f.rule }));
    }
    const exportHref = (format: string) => {
      const q = new URLSearchParams(filters);
      q.set('format', format);
      return `/api/v1/audit/export?${q.toString()}`;
    };
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/audit', {
      title: translate(locale, 'reports.audit.title'),
      currentPath: '/staff/audit',
      staff: user ?? null,
      form,
      basisOptions: LEGAL_BASES.map((b) => ({ value: b, selected: form.legalBasis === b })),
      actorTypeOptions: ACTOR_TYPES.map((a) => ({ value: a, selected: form.actorType === a })),
      items: (page?.items ?? []).map((e) => ({
        ...e,
        occurredAt: e.occurredAt.toISOString(),
        caseHref: e.reference ? `/staff/complaints/${encodeURIComponent(e.reference)}` : null,
        changes: Object.entries(e.payload ?? {}).map(([key, value]) => ({
          key,
          value: typeof value === 'string' ? value : JSON.stringify(value),
        })),
        seal: e.seal
          ? { ...e.seal, shortHash: e.seal.hash.slice(0, 12), sealedAt: e.seal.sealedAt.toISOString() }
          : null,
      })),
      nextHref: page?.nextCursor ? withCursor('/staff/audit', filters, page.nextCursor) : null,
      firstHref: query.cursor ? `/staff/audit?${filters.toString()}` : null,
      csvHref: exportHref('csv'),
      jsonHref: exportHref('json'),
      errors,
      hasErrors: errors.length > 0,
    });
  }
}
