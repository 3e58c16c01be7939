import type { ParsedMail } from 'mailparser';
import { PNG } from 'pngjs';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff } from './helpers/staff';

const png = (() => {
  const img = new PNG({ width: 8, height: 8 });
  img.data.fill(90);
  return PNG.sync.write(img);
})();

/**
 * Restoration timers are rows, not memory: a restoration that falls due while no instance runs
 * happens once after one starts, and two instances on one database restore and mail once.
 */
describe('restoration across restarts and instances (one PostgreSQL)', () => {
  const apps: TestApp[] = [];
  let db: DataSource;
  let mod: string;
  let n = 0;

  const start = async (env: Record<string, string>) => {
    const t = await startTestApp(env);
    apps.push(t);
    return t;
  };
  const api = (t: TestApp, bearer: string | null, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const row = async (reference: string) =>
    (
      await db.query<Array<{ id: string; state: string; version: number }>>(
        `SELECT id, state, version FROM complaint WHERE reference = $1`,
        [reference],
      )
    )[0];
  const move = async (t: TestApp, reference: string, body: Record<string, unknown>) => {
    const res = await api(t, mod, 'POST', `/api/v1/complaints/${reference}/transitions`, {
      version: (await row(reference)).version,
      ...body,
    });
    expect(res.status).toBe(200);
  };
  const count = async (sql: string, reference: string) =>
    Number((await db.query<Array<{ n: string }>>(sql, [reference]))[0].n);
  const restoredMails = (reference: string) =>
    count(
      `SELECT count(*) AS n FROM mail_job m JOIN complaint c ON c.id = m.complaint_id
        WHERE c.reference = $1 AND m.template = 'case-restored'`,
      reference,
    );
  const restorations = (reference: string) =>
    count(
      `SELECT count(*) AS n FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id::text
        WHERE c.reference = $1 AND e.action = 'complaint.transition' AND e.payload->>'to' = 'restored'`,
      reference,
    );
  const until = async (what: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const imageSlugs = async (t: TestApp) =>
    (
      (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
        items: Array<{ slug: string; images: unknown[] }>;
      }
    ).items
      .filter((x) => x.images.length)
      .map((x) => x.slug);

  /** A cn-copyright case with a valid counter-notice: due at once (RESTORE_CN_COPYRIGHT_WORKING_DAYS=0). */
  async function pending(t: TestApp, slug: string): Promise<{ reference: string; owner: string; complainant: string }> {
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    const a = list.items.find((x) => x.slug === slug) as (typeof list.items)[number];
    const owner = `owner-${process.pid}-${n++}@example.test`;
    await db.query(`UPDATE article SET owner_email = $1 WHERE slug = $2`, [owner, slug]);
    const complainant = `c-${process.pid}-${n++}@example.test`;
    const form = new FormData();
    form.set(
      'complaint',
      JSON.stringify({
        legalBasis: 'cn-copyright',
        locale: 'zh-CN',
        complainant: { name: '王五', email: complainant, address: '上海市汉口路 300 号' },
        items: [{ articleUrl: a.url, kind: 'image', detail: a.images[0].id }],
        explanation: '图片为本人作品。',
        originalWork: { description: '本人拍摄的照片' },
        declarations: { truthful: true, goodFaith: true },
      }),
    );
    form.append('evidence', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'p.png');
    const filed = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(filed.status).toBe(201);
    const { reference } = (await filed.json()) as { reference: string };
    await move(t, reference, { to: 'in_review' });
    await move(t, reference, { to: 'actioned', reason: '侵权。', remedies: [{ item: 0, remedy: 'remove_image' }] });
    // The owner's link as the notice mails it; the counter-notice filed by API.
    const [{ id }] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [
      reference,
    ]);
    // Whichever running instance delivered the notice, its mail is in that instance's sink.
    let link: ParsedMail | undefined;
    await until(() => {
      link = apps.flatMap((x) => x.sink.to(owner)).find((m) => (m.text ?? '').includes(reference));
      return Promise.resolve(!!link);
    });
    if (!link) throw new Error('no owner notice');
    const token = /\/respond\/([A-Za-z0-9_-]{43})/.exec(link.text ?? '')?.[1] as string;
    const cn = new FormData();
    for (const [k, v] of Object.entries({
      items: '0',
      name: '图片部',
      contact: '021-0000',
      address: '上海',
      workTitle: '照片',
      statement: '自行拍摄。',
      truthful: 'on',
    }))
      cn.set(k, v);
    cn.append('evidence', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'c.png');
    expect(
      (await fetch(`${t.baseUrl}/api/v1/respond/${token}/counter-notice`, { method: 'POST', body: cn })).status,
    ).toBe(201);
    await move(t, reference, { to: 'restoration_pending' });
    void id;
    return { reference, owner, complainant };
  }

  beforeAll(async () => {
    const first = await start({ TIMER_WORKER: 'false' });
    db = first.app.get(DataSource);
    const m = await createStaff(db, { role: 'moderator' });
    mod = await apiToken(db, m.email);
  });

  afterAll(async () => {
    for (const t of apps.reverse()) await t.close().catch(() => undefined);
  });

  it('a restoration that fell due while no instance ran happens once after one starts', async () => {
    const first = apps[0];
    const c = await pending(first, (await imageSlugs(first))[0]);
    expect((await row(c.reference)).state).toBe('restoration_pending');
    await first.close();
    apps.shift();

    const second = await start({ TIMER_WORKER: 'true', TIMER_POLL_MS: '200' });
    db = second.app.get(DataSource);
    await until(async () => (await row(c.reference)).state === 'restored');
    await second.sink.waitFor((m) => second.sink.to(c.owner).includes(m) && /相关内容已恢复/.test(m.subject ?? ''));
    await second.sink.waitFor(
      (m) => second.sink.to(c.complainant).includes(m) && /相关内容已恢复/.test(m.subject ?? ''),
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(await restorations(c.reference)).toBe(1);
    expect(await restoredMails(c.reference)).toBe(2);
    expect(second.sink.to(c.owner).filter((m) => /相关内容已恢复/.test(m.subject ?? ''))).toHaveLength(1);
  });

  it('two instances on one database restore and mail each case once', async () => {
    const a = apps[0];
    const b = await start({ TIMER_WORKER: 'true', TIMER_POLL_MS: '50' });
    // Two more instances' worth of due restorations, created while both run and race for them.
    const cases = [];
    for (const slug of (await imageSlugs(a)).slice(1, 4)) cases.push(await pending(a, slug));
    expect(cases).toHaveLength(3);
    for (const c of cases) await until(async () => (await row(c.reference)).state === 'restored');
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of cases) {
      expect(await restorations(c.reference)).toBe(1);
      expect(await restoredMails(c.reference)).toBe(2);
      const delivered = [...a.sink.to(c.owner), ...b.sink.to(c.owner)].filter((m) =>
        /相关内容已恢复/.test(m.subject ?? ''),
      );
      expect(delivered).toHaveLength(1);
      const [timer] = await db.query<Array<{ outcome: string; attempts: number }>>(
        `SELECT t.outcome, t.attempts FROM case_timer t JOIN complaint c ON c.id = t.complaint_id
          WHERE c.reference = $1 AND t.kind = 'restoration_due'`,
        [c.reference],
      );
      expect(timer).toEqual({ outcome: 'fired', attempts: 1 });
    }
  });
});
