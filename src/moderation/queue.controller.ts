import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { isLocale, LEGAL_BASES } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { timeLeftPhrase } from '../complaints/sla';
import type { TimeLeft } from '../complaints/sla';
import { parseQueueQuery, QUEUE_COUNT_CAP, QUEUE_STATES, QueueService } from './queue.service';
import type { QueueFilters, QueuePage } from './queue.service';

/**
 * GET /staff/queue renders templates/views/staff/queue.hbs in the shared layout with:
 *
 *   title, currentPath     as every page; staff (the signed-in user) for the staff_nav partial
 *   form                   the raw inputs, kept on a 422: { states: string[], legalBasis, assignee, overdue, q, limit }
 *   basisOptions           [{ value, selected }] for the legal-basis select
 *   assigneeOptions        [{ value, selected }]: '', me (signed in only), nobody, someone
 *   chips                  [{ state|null, count, href, active }]: "all open" then one per open state;
 *                          count is a string ("12", or "1000+" when capped) under the current
 *                          filters except state, or null on a 422; hrefs keep the other filters
 *   duplicatesChip         "3" (or "1000+"): duplicates joined to the open cases under the filters, or null (none, a search, a 422)
 *   items                  [{ reference, href, state, legalBasis, articleTitle, receivedAt, dueAt, overdue, assigneeName, duplicates,
 *                            timeLeftText ("剩余 2 个工作日" / "5 hours overdue", or null), calendarText (whose working days) }]
 *   nextHref               the next page (same filters plus cursor) or null
 *   firstHref              back to the first page when on a later one, else null
 *   nextCaseHref           /staff/complaints/<ref> of the unassigned received case due first, or null
 *   errors                 [{ field, rule }] on a 422 (the template translates queue.error.<field>)
 */
@ApiExcludeController()
@Roles('moderator', 'admin')
@Controller('staff/queue')
export class QueueController {
  constructor(private readonly queue: QueueService) {}

  @Get()
  async page(
    @Query() query: Record<string, unknown>,
    @CurrentUser() user: StaffPrincipal | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const form = rawForm(query);
    let filters: QueueFilters;
    try {
      filters = parseQueueQuery(query);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return this.render(res, 422, { form, user, errors: err.fields.map((f) => ({ field: f.field, rule: f.rule })) });
    }
    const [page, next] = await Promise.all([this.queue.list(filters, user?.id), this.queue.next()]);
    return this.render(res, 200, { form, user, page, hadCursor: Boolean(filters.cursor), next });
  }

  private render(
    res: Response,
    status: number,
    v: {
      form: RawForm;
      user?: StaffPrincipal;
      page?: QueuePage;
      hadCursor?: boolean;
      next?: string | null;
      errors?: Array<{ field: string; rule: string }>;
    },
  ): void {
    const { form, page } = v;
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const counts = page?.counts;
    const capped = page?.countsCapped ?? [];
    const shown = (n: number, atLeast: boolean) => `${n}${atLeast ? '+' : ''}`;
    const total = counts
      ? shown(
          Object.values(counts).reduce((a, b) => a + b, 0),
          capped.length > 0,
        )
      : null;
    const chips = [
      { state: null, count: total, href: href(form, { state: [] }), active: form.states.length === 0 },
      ...QUEUE_STATES.map((s) => ({
        state: s,
        count: counts ? shown(counts[s], capped.includes(s)) : null,
        href: href(form, { state: [s] }),
        active: form.states.length === 1 && form.states[0] === s,
      })),
    ];
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/queue', {
      title: translate(locale, 'queue.title'),
      currentPath: '/staff/queue',
      staff: v.user ?? null,
      form,
      basisOptions: LEGAL_BASES.map((b) => ({ value: b, selected: form.legalBasis === b })),
      assigneeOptions: ['', ...(v.user ? ['me'] : []), 'nobody', 'someone'].map((a) => ({
        value: a,
        selected: form.assignee === a,
      })),
      chips,
      duplicatesChip:
        page?.duplicates != null && page.duplicates > 0
          ? shown(page.duplicates, page.duplicates >= QUEUE_COUNT_CAP)
          : null,
      items: (page?.items ?? []).map((i) => ({
        ...i,
        receivedAt: i.receivedAt.toISOString(),
        dueAt: i.dueAt ? i.dueAt.toISOString() : null,
        href: `/staff/complaints/${encodeURIComponent(i.reference)}`,
        assigneeName: i.assignee?.displayName ?? null,
        timeLeftText: i.timeLeft ? phrase(locale, i.timeLeft) : null,
        calendarText: i.timeLeft ? translate(locale, `queue.calendar.${i.timeLeft.calendar}`) : null,
      })),
      nextHref: page?.nextCursor ? href(form, { cursor: page.nextCursor }) : null,
      firstHref: v.hadCursor ? href(form, {}) : null,
      nextCaseHref: v.next ? `/staff/complaints/${encodeURIComponent(v.next)}` : null,
      errors: v.errors ?? [],
      hasErrors: Boolean(v.errors?.length),
    });
  }
}

/** "剩余 2 个工作日", "5 hours overdue": working days once a day or more, else hours (sla.ts). */
function phrase(locale: Locale, t: TimeLeft): string {
  const { key, n } = timeLeftPhrase(t);
  return translate(locale, key, { n });
}

interface RawForm {
  states: string[];
  legalBasis: string;
  assignee: string;
  overdue: boolean;
  q: string;
  limit: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? v.map(String).join(',') : '');

function rawForm(query: Record<string, unknown>): RawForm {
  return {
    states: str(query.state)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    legalBasis: str(query.legalBasis).trim(),
    assignee: str(query.assignee).trim(),
    overdue: str(query.overdue).trim() === 'true',
    q: str(query.q).trim(),
    limit: str(query.limit).trim(),
  };
}

/** A link to the queue with the form's filters, some replaced; never carries the old cursor. */
function href(form: RawForm, over: { state?: string[]; cursor?: string }): string {
  const p = new URLSearchParams();
  const states = over.state ?? form.states;
  if (states.length) p.set('state', states.join(','));
  if (form.legalBasis) p.set('legalBasis', form.legalBasis);
  if (form.assignee) p.set('assignee', form.assignee);
  if (form.overdue) p.set('overdue', 'true');
  if (form.q) p.set('q', form.q);
  if (form.limit) p.set('limit', form.limit);
  if (over.cursor) p.set('cursor', over.cursor);
  const qs = p.toString();
  return qs ? `/staff/queue?${qs}` : '/staff/queue';
}
