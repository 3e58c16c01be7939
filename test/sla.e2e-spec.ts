import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { dateInRegion } from '../src/calendar/calendar-date';
import { WorkingDays } from '../src/calendar/working-days.service';
import { Clock } from '../src/common/clock';
import { endOfDay } from '../src/complaints/sla';
import { SlaBreachRepository } from '../src/complaints/sla-breach.repository';
import { SlaDigestWorker } from '../src/complaints/sla-digest.worker';
import { TimerWorker } from '../src/complaints/timer-worker';
import { MailOutbox } from '../src/mail/mail-outbox';
import { MailWorker } from '../src/mail/mail-worker';
import { OutboxSignal } from '../src/mail/outbox-signal';
import type { QueuePage } from '../src/moderation/queue.service';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff, signIn } from './helpers/staff';

/**
 * Service levels in working days, through real transitions (HTTP, PostgreSQL, SMTP): the due
 * time a claim or a request for information sets across 国庆, Spring Festival and a US holiday,
 * the needs-info timer on the same date, the queue's time left, and the admins' deadline digest
 * (once per case per breach, two instances at once). The desk's Clock is moved, never slept on.
 */
describe('service levels in working days', () => {
  let t: TestApp;
  let db: DataSource;
  let clock: Clock;
  let token: string;
  let admin: { email: string };
  let forumUrl: string;
  let n = 0;
  const beijing = (wall: string) => new Date(`${wall}+08:00`);

  const api = async (method: string, path: string, body?: unknown, bearer: string | null = token) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });

  async function file(legalBasis: 'accuracy' | 'us-dmca', locale: 'en' | 'zh-CN' = 'en'): Promise<string> {
    const email = `sla${n++}-${Date.now()}@example.test`;
    const dmca = legalBasis === 'us-dmca';
    const res = await api(
      'POST',
      '/api/v1/complaints',
      {
        legalBasis,
        locale,
        complainant: {
          name: 'Pat Doe',
          email,
          ...(dmca ? { address: '1 Main St, Springfield', phone: '+1 555 0100' } : {}),
        },
        items: [{ articleUrl: forumUrl, kind: 'article' }],
        explanation: 'The photograph in this article is mine.',
        ...(dmca
          ? {
              originalWork: { description: 'my photograph', url: 'https://photos.example/1' },
              signature: 'Pat Doe',
              declarations: { truthful: true, goodFaith: true, perjury: true },
            }
          : { declarations: { truthful: true } }),
      },
      null,
    );
    expect(res.status).toBe(201);
    return ((await res.json()) as { reference: string }).reference;
  }

  const caseRow = async (reference: string) =>
    (
      await db.query<Array<{ id: string; state: string; version: number; due_at: Date | null }>>(
        `SELECT id, state, version, due_at FROM complaint WHERE reference = $1`,
        [reference],
      )
    )[0];

  async function move(reference: string, to: string, extra: Record<string, unknown> = {}) {
    const c = await caseRow(reference);
    const res = await api('POST', `/api/v1/complaints/${reference}/transitions`, { to, version: c.version, ...extra });
    expect(res.status).toBe(200);
    return caseRow(reference);
  }

  const setNow = (at: Date) => jest.spyOn(clock, 'now').mockReturnValue(at);

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    clock = t.app.get(Clock);
    const mod = await createStaff(db, { role: 'moderator' });
    token = await apiToken(db, mod.email);
    admin = await createStaff(db, { role: 'admin' });
    const list = (await (await api('GET', '/api/v1/articles?limit=200', undefined, null)).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    forumUrl = (list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as { url: string }).url;
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await t?.close();
  });

  it('claiming before 国庆 2025 gives three working days: Oct 9, 10 and the make-up Saturday Oct 11', async () => {
    const reference = await file('accuracy');
    setNow(beijing('2025-09-30T15:00:00'));
    const c = await move(reference, 'in_review');
    expect(c.due_at).toEqual(beijing('2025-10-11T23:59:59'));
  });

  it('claiming before Spring Festival 2026: the make-up Saturday Feb 14, then Feb 24 and 25', async () => {
    const reference = await file('accuracy');
    setNow(beijing('2026-02-13T16:00:00'));
    expect((await move(reference, 'in_review')).due_at).toEqual(beijing('2026-02-25T23:59:59'));
  });

  it('a DMCA case asked for information before Thanksgiving has ten US business days; its timer and mail say the same date', async () => {
    const reference = await file('us-dmca');
    setNow(new Date('2026-11-25T10:00:00-05:00'));
    await move(reference, 'in_review');
    const c = await move(reference, 'needs_info', { missing: ['the registration number'] });
    // Nov 27, 30, Dec 1, 2, 3, 4, 7, 8, 9, 10 (Thanksgiving Nov 26 and weekends skipped): end of Dec 10 in New York.
    expect(c.due_at?.toISOString()).toBe('2026-12-11T04:59:59.000Z');
    const [timer] = await db.query<Array<{ due_at: Date }>>(
      `SELECT due_at FROM case_timer WHERE complaint_id = $1 AND kind = 'needs_info_expiry'`,
      [c.id],
    );
    expect(timer.due_at).toEqual(c.due_at);
    await t.app.get(MailWorker).drain();
    const [asked] = t.sink.messages.filter(
      (m) => m.subject?.includes(reference) && /information/i.test(m.subject ?? ''),
    );
    expect(asked.text).toContain('11/12/2026 12:59 (Beijing time, UTC+8)');

    // Once past that date the timer closes the case, and the mail counts working days.
    setNow(new Date('2026-12-11T05:00:00Z'));
    await t.app.get(TimerWorker).drain();
    expect((await caseRow(reference)).state).toBe('closed');
    await t.app.get(MailWorker).drain();
    const closed = t.sink.messages.filter((m) => m.subject?.includes(reference) && /closed/i.test(m.subject ?? ''));
    expect(closed).toHaveLength(1);
    expect(closed[0].text).toContain('Nothing reached us within 10 working days');
  });

  it('the queue gives each case its time left or how late, in working days or hours, on the API and the page', async () => {
    const soon = await file('accuracy');
    const late = await file('us-dmca');
    await move(soon, 'in_review');
    await move(late, 'in_review');
    // Due in three working days from the database's today (China), and five hours ago.
    const [{ due }] = await db.query<Array<{ due: Date }>>(`SELECT now() AS due`);
    const cal = await t.app.get(WorkingDays).calendar('cn');
    const dueSoon = endOfDay('cn', cal.addWorkingDays(dateInRegion('cn', due), 3));
    await db.query(`UPDATE complaint SET due_at = $2 WHERE reference = $1`, [soon, dueSoon]);
    await db.query(`UPDATE complaint SET due_at = now() - interval '4 hours 30 minutes' WHERE reference = $1`, [late]);

    // Searched by reference: the shared database holds other specs' cases.
    const rows = new Map<string, QueuePage['items'][number]>();
    for (const ref of [soon, late]) {
      const page = (await (await api('GET', `/api/v1/queue?q=${ref}`)).json()) as QueuePage;
      rows.set(ref, page.items.find((i) => i.reference === ref) as QueuePage['items'][number]);
    }
    const row = (ref: string) => rows.get(ref);
    expect(row(soon)).toMatchObject({ overdue: false, timeLeft: { workingDays: 3, calendar: 'cn' } });
    expect(row(soon)?.timeLeft?.hours).toBeGreaterThan(48);
    expect(row(late)).toMatchObject({ overdue: true, timeLeft: { hours: -5, calendar: 'us' } });
    expect(new Date(row(soon)?.dueAt as unknown as string)).toEqual(dueSoon);

    const session = await signIn(t.baseUrl, admin.email);
    for (const [lang, left, overdue] of [
      ['zh-CN', '剩余 3 个工作日', '逾期 5 小时'],
      ['en', '3 working days left', '5 hours overdue'],
    ] as const) {
      const cell = async (ref: string) => {
        const res = await fetch(`${t.baseUrl}/staff/queue?q=${ref}&lang=${lang}`, {
          headers: { cookie: session.cookie },
        });
        expect(res.status).toBe(200);
        return new RegExp(`data-reference="${ref}"[\\s\\S]*?</tr>`).exec(await res.text())?.[0] ?? '';
      };
      expect(await cell(soon)).toContain(left);
      const lateCell = await cell(late);
      expect(lateCell).toContain(overdue);
      expect(lateCell).toContain('queue-due__left--late');
    }
  });

  describe('deadline digest', () => {
    const digests = (ref: string) =>
      t.sink.to(admin.email).filter((m) => m.subject?.includes('超期提醒') && (m.text ?? '').includes(ref));

    function rival(): SlaDigestWorker {
      return new SlaDigestWorker(
        db,
        t.app.get(SlaBreachRepository),
        t.app.get(MailOutbox),
        t.app.get(AuditService),
        clock,
        t.app.get(OutboxSignal),
        t.config,
      );
    }

    it('two instances at once mail one digest naming the case and how late; later runs add nothing', async () => {
      const reference = await file('accuracy');
      await move(reference, 'in_review');
      await db.query(`UPDATE complaint SET due_at = now() - interval '5 hours 10 minutes' WHERE reference = $1`, [
        reference,
      ]);
      const worker = t.app.get(SlaDigestWorker);
      await Promise.all([worker.runOnce(), rival().runOnce()]);
      await worker.drain();
      await rival().drain();
      await t.app.get(MailWorker).drain();
      const mails = digests(reference);
      expect(mails).toHaveLength(1);
      expect(mails[0].text).toMatch(new RegExp(`${reference} · 审核中 · 期限 .+ · 超期 6 小时`));
      expect(mails[0].text).toContain(`${t.baseUrl}/staff/queue?overdue=true`);
      const [breach] = await db.query<Array<{ notified_at: Date | null; recipients: number }>>(
        `SELECT b.notified_at, b.recipients FROM sla_breach b JOIN complaint c ON c.id = b.complaint_id WHERE c.reference = $1`,
        [reference],
      );
      expect(breach.notified_at).not.toBeNull();
      expect(breach.recipients).toBeGreaterThanOrEqual(1);
      const events = await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id::text
          WHERE c.reference = $1 AND e.action = 'complaint.deadline_breached'`,
        [reference],
      );
      expect(events[0].n).toBe(1);
    });

    it('the same case late again after a new due time is a new breach, mailed again; a case that moved on is not', async () => {
      const reference = await file('accuracy');
      await move(reference, 'in_review');
      await db.query(`UPDATE complaint SET due_at = now() - interval '1 hour' WHERE reference = $1`, [reference]);
      await t.app.get(SlaDigestWorker).drain();
      // Released and claimed again: a new decision due time, which passes too.
      await move(reference, 'received');
      await move(reference, 'in_review');
      await t.app.get(SlaDigestWorker).drain();
      await t.app.get(MailWorker).drain();
      expect(digests(reference)).toHaveLength(1); // the new due time has not passed yet
      await db.query(`UPDATE complaint SET due_at = now() - interval '2 hours' WHERE reference = $1`, [reference]);
      await t.app.get(SlaDigestWorker).drain();
      await t.app.get(SlaDigestWorker).drain();
      await t.app.get(MailWorker).drain();
      expect(digests(reference)).toHaveLength(2);
      const breaches = await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM sla_breach b JOIN complaint c ON c.id = b.complaint_id WHERE c.reference = $1`,
        [reference],
      );
      expect(breaches[0].n).toBe(2);

      // Waiting for the complainant is not the desk's breach; nor is a decided case.
      const waiting = await file('accuracy');
      await move(waiting, 'in_review');
      await move(waiting, 'needs_info', { missing: ['a source'] });
      await db.query(`UPDATE complaint SET due_at = now() - interval '1 hour' WHERE reference = $1`, [waiting]);
      await t.app.get(SlaDigestWorker).drain();
      await t.app.get(MailWorker).drain();
      expect(digests(waiting)).toHaveLength(0);
    });
  });
});
