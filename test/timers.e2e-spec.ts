import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { Clock } from '../src/common/clock';
import { DomainError } from '../src/common/domain-error';
import { CaseTimerRepository } from '../src/complaints/case-timer.repository';
import { ComplaintsService } from '../src/complaints/complaints.service';
import { TimerWorker } from '../src/complaints/timer-worker';
import { MailWorker } from '../src/mail/mail-worker';
import { OutboxSignal } from '../src/mail/outbox-signal';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff } from './helpers/staff';

/**
 * Durable case timers with the real TimerWorker, real PostgreSQL and SMTP. The worker's own poll
 * loop is off (TIMER_WORKER=false): each test drives it, and moves the injected Clock instead of
 * sleeping.
 */
describe('case timers: needs_info closes after NEEDS_INFO_DAYS without an answer', () => {
  let t: TestApp;
  let db: DataSource;
  let clock: Clock;
  let worker: TimerWorker;
  let token: string;
  let forumUrl: string;
  let n = 0;
  const DAY = 86_400_000;

  const api = (bearer: string | null, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });

  /** A case waiting for information: filed, claimed, asked. */
  async function waitingCase(locale: 'en' | 'zh-CN' = 'en') {
    const email = `timer${n++}-${Date.now()}@example.test`;
    const filed = await api(null, 'POST', '/api/v1/complaints', {
      legalBasis: 'accuracy',
      locale,
      complainant: { name: 'Pat Doe', email },
      items: [{ articleUrl: forumUrl, kind: 'article' }],
      explanation: 'The date of the forum is wrong.',
      declarations: { truthful: true },
    });
    expect(filed.status).toBe(201);
    const { reference, trackingUrl } = (await filed.json()) as { reference: string; trackingUrl: string };
    expect(
      (await api(token, 'POST', `/api/v1/complaints/${reference}/transitions`, { to: 'in_review', version: 1 })).status,
    ).toBe(200);
    const ask = await api(token, 'POST', `/api/v1/complaints/${reference}/transitions`, {
      to: 'needs_info',
      version: 2,
      missing: ['the source of the correct date'],
    });
    expect(ask.status).toBe(200);
    return { reference, email, trackingToken: trackingUrl.split('/track/')[1] };
  }

  const caseRow = async (reference: string) =>
    (
      await db.query<Array<{ id: string; state: string; version: number; due_at: Date }>>(
        `SELECT id, state, version, due_at FROM complaint WHERE reference = $1`,
        [reference],
      )
    )[0];
  const timersOf = (reference: string) =>
    db.query<
      Array<{
        kind: string;
        due_at: Date;
        done_at: Date | null;
        outcome: string | null;
        attempts: number;
        retry_at: Date | null;
      }>
    >(
      `SELECT t.kind, t.due_at, t.done_at, t.outcome, t.attempts, t.retry_at FROM case_timer t
         JOIN complaint c ON c.id = t.complaint_id WHERE c.reference = $1 ORDER BY t.created_at`,
      [reference],
    );
  const closedMails = async (reference: string) =>
    Number(
      (
        await db.query<Array<{ n: string }>>(
          `SELECT count(*) AS n FROM mail_job m JOIN complaint c ON c.id = m.complaint_id
            WHERE c.reference = $1 AND m.template = 'complaint-closed-no-answer'`,
          [reference],
        )
      )[0].n,
    );
  const closings = async (reference: string) =>
    Number(
      (
        await db.query<Array<{ n: string }>>(
          `SELECT count(*) AS n FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id::text
            WHERE c.reference = $1 AND e.action = 'complaint.transition' AND e.payload->>'to' = 'closed'
              AND e.actor_type = 'system'`,
          [reference],
        )
      )[0].n,
    );
  /** Moves the desk's clock to `at`. */
  const setNow = (at: Date) => jest.spyOn(clock, 'now').mockReturnValue(at);

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false', NEEDS_INFO_DAYS: '14' });
    db = t.app.get(DataSource);
    clock = t.app.get(Clock);
    worker = t.app.get(TimerWorker);
    const mod = await createStaff(db, { role: 'moderator' });
    token = await apiToken(db, mod.email);
    const list = (await (await api(null, 'GET', '/api/v1/articles?limit=200')).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    forumUrl = (list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as { url: string }).url;
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await t?.close();
  });

  it('a request for information schedules one timer at the answer-by date; nothing fires before it', async () => {
    const { reference } = await waitingCase();
    const c = await caseRow(reference);
    const [timer] = await timersOf(reference);
    expect(timer).toMatchObject({ kind: 'needs_info_expiry', done_at: null, outcome: null });
    expect(new Date(timer.due_at).getTime()).toBe(new Date(c.due_at).getTime());
    expect(new Date(timer.due_at).getTime() - Date.now()).toBeGreaterThan(13.9 * DAY);
    setNow(new Date(new Date(timer.due_at).getTime() - 60_000));
    await worker.drain();
    expect((await caseRow(reference)).state).toBe('needs_info');
    // Nor may anyone take the timer's edge by hand: staff have no such edge, the system only with its timer.
    await expect(
      t.app
        .get(ComplaintsService)
        .transition({ reference, to: 'closed', version: c.version }, { role: 'system', id: null }),
    ).rejects.toBeInstanceOf(DomainError);
    const byHand = await api(token, 'POST', `/api/v1/complaints/${reference}/transitions`, {
      to: 'closed',
      version: c.version,
    });
    expect(byHand.status).toBe(403);
    expect((await caseRow(reference)).state).toBe('needs_info');
  });

  it('once due, the worker closes the case once and the complainant is told once, in their language', async () => {
    const zh = await waitingCase('zh-CN');
    const en = await waitingCase('en');
    const [timer] = await timersOf(en.reference);
    setNow(new Date(new Date(timer.due_at).getTime() + 60_000));
    await worker.drain();
    await worker.drain();
    for (const { reference } of [zh, en]) {
      expect(await caseRow(reference)).toMatchObject({ state: 'closed', due_at: null });
      expect(await timersOf(reference)).toEqual([expect.objectContaining({ outcome: 'fired', attempts: 1 })]);
      expect(await closedMails(reference)).toBe(1);
      expect(await closings(reference)).toBe(1);
    }
    await t.app.get(MailWorker).drain();
    const zhMail = t.sink.to(zh.email).filter((m) => m.subject?.includes('结案'));
    const enMail = t.sink.to(en.email).filter((m) => m.subject?.includes('closed'));
    expect(zhMail).toHaveLength(1);
    expect(enMail).toHaveLength(1);
    expect(zhMail[0].text).toContain('14日内我们未收到您的补充');
    expect(enMail[0].text).toContain('Nothing reached us within 14 days');
    expect(enMail[0].text).toContain(`${t.baseUrl}/track/`);
    // The tracking page shows the case closed.
    const tracked = (await (await api(null, 'GET', `/api/v1/track/${en.trackingToken}`)).json()) as { state: string };
    expect(tracked.state).toBe('closed');
  });

  it('two workers at once: every due case is closed once and mailed once', async () => {
    const cases = await Promise.all([waitingCase(), waitingCase(), waitingCase(), waitingCase()]);
    const [timer] = await timersOf(cases[3].reference);
    setNow(new Date(new Date(timer.due_at).getTime() + 60_000));
    const rival = new TimerWorker(
      db,
      t.app.get(ComplaintsService),
      t.app.get(CaseTimerRepository),
      t.app.get(AuditService),
      clock,
      t.app.get(OutboxSignal),
      t.config,
    );
    const [a, b] = await Promise.all([worker.runOnce(), rival.runOnce()]);
    await Promise.all([worker.drain(), rival.drain()]);
    expect(a + b).toBeGreaterThanOrEqual(cases.length);
    for (const { reference } of cases) {
      expect((await caseRow(reference)).state).toBe('closed');
      expect(await timersOf(reference)).toEqual([expect.objectContaining({ outcome: 'fired' })]);
      expect(await closedMails(reference)).toBe(1);
      expect(await closings(reference)).toBe(1);
    }
  });

  it('a run that dies after the transition leaves nothing behind; the timer fires on a later run, once', async () => {
    const { reference } = await waitingCase();
    const before = await caseRow(reference);
    const [timer] = await timersOf(reference);
    const due = new Date(new Date(timer.due_at).getTime() + 60_000);
    setNow(due);
    const complaints = t.app.get(ComplaintsService);
    const real = complaints.transitionIn.bind(complaints);
    const crash = jest.spyOn(complaints, 'transitionIn').mockImplementation(async (...args) => {
      await real(...args);
      throw new Error('the process died here');
    });
    await worker.drain();
    expect(crash).toHaveBeenCalled();
    expect(await caseRow(reference)).toMatchObject({ state: 'needs_info', version: before.version });
    expect(await closedMails(reference)).toBe(0);
    expect(await closings(reference)).toBe(0);
    const [failed] = await timersOf(reference);
    expect(failed).toMatchObject({ done_at: null, attempts: 1 });
    expect(new Date(failed.retry_at as Date).getTime()).toBeGreaterThan(due.getTime());

    crash.mockRestore();
    await worker.drain(); // still backing off
    expect((await caseRow(reference)).state).toBe('needs_info');
    setNow(new Date(due.getTime() + 3_600_000));
    await worker.drain();
    expect((await caseRow(reference)).state).toBe('closed');
    expect(await closedMails(reference)).toBe(1);
    expect(await closings(reference)).toBe(1);
  });

  it('a worker whose database session is killed mid-run loses nothing: the timer is due again', async () => {
    const { reference } = await waitingCase();
    const [timer] = await timersOf(reference);
    setNow(new Date(new Date(timer.due_at).getTime() + 60_000));
    const complaints = t.app.get(ComplaintsService);
    const real = complaints.transitionIn.bind(complaints);
    const kill = jest.spyOn(complaints, 'transitionIn').mockImplementation(async (tx, ...rest) => {
      const result = await real(tx, ...rest);
      const [{ pid }] = await tx.query<Array<{ pid: number }>>(`SELECT pg_backend_pid() AS pid`);
      await db.query(`SELECT pg_terminate_backend($1)`, [pid]);
      return result;
    });
    await worker.drain().catch(() => undefined);
    kill.mockRestore();
    expect((await caseRow(reference)).state).toBe('needs_info');
    expect(await closedMails(reference)).toBe(0);
    const [pending] = await timersOf(reference);
    expect(pending.done_at).toBeNull();
    setNow(new Date(new Date(timer.due_at).getTime() + 2 * 3_600_000));
    await worker.drain();
    expect((await caseRow(reference)).state).toBe('closed');
    expect(await closedMails(reference)).toBe(1);
    expect(await closings(reference)).toBe(1);
  });

  it('a timer that keeps failing ends visibly as failed after TIMER_MAX_ATTEMPTS, with an audit event, and the case untouched', async () => {
    const { reference } = await waitingCase();
    const [timer] = await timersOf(reference);
    setNow(new Date(new Date(timer.due_at).getTime() + 60_000));
    const complaints = t.app.get(ComplaintsService);
    const strict = new TimerWorker(
      db,
      complaints,
      t.app.get(CaseTimerRepository),
      t.app.get(AuditService),
      clock,
      t.app.get(OutboxSignal),
      { ...t.config, timerMaxAttempts: 1 },
    );
    jest.spyOn(complaints, 'transitionIn').mockRejectedValue(new Error('broken for good'));
    await strict.drain();
    expect(await timersOf(reference)).toEqual([
      expect.objectContaining({ outcome: 'failed', attempts: 1, done_at: expect.any(Date) as Date }),
    ]);
    expect((await caseRow(reference)).state).toBe('needs_info');
    const [event] = await db.query<Array<{ payload: Record<string, unknown> }>>(
      `SELECT e.payload FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id::text
        WHERE c.reference = $1 AND e.action = 'timer.failed'`,
      [reference],
    );
    expect(event.payload).toMatchObject({
      reference,
      kind: 'needs_info_expiry',
      attempts: 1,
      error: 'broken for good',
    });
  });

  it('a case someone is changing right now is passed over, not waited for, and fired on the next run', async () => {
    const { reference } = await waitingCase();
    const [timer] = await timersOf(reference);
    setNow(new Date(new Date(timer.due_at).getTime() + 60_000));
    // Another transaction (an answer arriving, say) holds the case row.
    const other = db.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query(`SELECT id FROM complaint WHERE reference = $1 FOR UPDATE`, [reference]);
      const started = Date.now();
      await worker.drain();
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await caseRow(reference)).state).toBe('needs_info');
      expect((await timersOf(reference))[0]).toMatchObject({ done_at: null, attempts: 0 });
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
    await worker.drain();
    expect((await caseRow(reference)).state).toBe('closed');
    expect(await closedMails(reference)).toBe(1);
  });

  it('the complainant’s answer cancels the timer: the case stays in review after the date', async () => {
    const { reference, trackingToken } = await waitingCase();
    const answered = await api(null, 'POST', `/api/v1/track/${trackingToken}/answer`, {
      answer: 'The programme of the forum gives 12 November.',
    });
    expect(answered.status).toBe(200);
    const [timer] = await timersOf(reference);
    expect(timer).toMatchObject({ outcome: 'cancelled' });
    expect(timer.done_at).not.toBeNull();
    setNow(new Date(new Date(timer.due_at).getTime() + 30 * DAY));
    await worker.drain();
    expect((await caseRow(reference)).state).toBe('in_review');
    expect(await closedMails(reference)).toBe(0);

    // Asked again, the case gets a new timer of its own (the cancelled one stays as history).
    const c = await caseRow(reference);
    const again = await api(token, 'POST', `/api/v1/complaints/${reference}/transitions`, {
      to: 'needs_info',
      version: c.version,
      missing: ['a copy of the programme'],
    });
    expect(again.status).toBe(200);
    const both = await timersOf(reference);
    expect(both.map((x) => x.outcome)).toEqual(['cancelled', null]);
  });
});
