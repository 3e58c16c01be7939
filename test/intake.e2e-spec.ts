import { readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';

const png = (() => {
  const img = new PNG({ width: 8, height: 8 });
  img.data.fill(200);
  return PNG.sync.write(img);
})();
const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((p) => statSync(p).isFile());
}

describe('complaint intake (API, real PostgreSQL and SMTP)', () => {
  let t: TestApp;
  let db: DataSource;
  let articleUrl: (n: number) => string;
  let forum: { url: string; images: Array<{ id: string; url: string }> };
  let seq = 0;
  const email = (tag: string) => `${tag}-${Date.now()}-${seq++}@example.test`;

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const postMultipart = (
    complaint: unknown,
    files: Array<{ field: string; name: string; data: Buffer; type?: string }>,
  ) => {
    const form = new FormData();
    form.set('complaint', JSON.stringify(complaint));
    for (const f of files)
      form.append(f.field, new Blob([new Uint8Array(f.data)], { type: f.type ?? 'application/octet-stream' }), f.name);
    return fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
  };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    const res = await fetch(`${t.baseUrl}/api/v1/articles?limit=200`);
    const list = (await res.json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string; url: string }> }>;
    };
    expect(list.items).toHaveLength(41);
    forum = list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as typeof forum;
    articleUrl = (n: number) =>
      (list.items.find((a) => a.slug === `news-${String(n).padStart(2, '0')}`) as { url: string }).url;
  });

  afterAll(async () => {
    await t?.close();
  });

  const base = (over: Record<string, unknown> = {}) => ({
    legalBasis: 'eu-dsa',
    locale: 'en',
    complainant: { name: 'Jane Roe', email: email('jane') },
    items: [{ articleUrl: articleUrl(1), kind: 'article' }],
    explanation: 'This article contains illegal content.',
    declarations: { truthful: true, goodFaith: true },
    ...over,
  });

  describe('a complaint under each legal basis', () => {
    const cases: Array<[string, () => Record<string, unknown>, boolean]> = [
      [
        'cn-copyright',
        () =>
          base({
            legalBasis: 'cn-copyright',
            locale: 'zh-CN',
            complainant: { name: '张三', email: email('zs'), address: '上海市黄浦区汉口路 300 号' },
            originalWork: { description: '本人拍摄的论坛现场照片', url: 'https://photos.example.test/forum' },
            items: [{ articleUrl: forum.url, kind: 'image', detail: forum.images[0].id }],
            explanation: '文中第一张图片为本人作品，未经许可使用。',
          }),
        true,
      ],
      [
        'cn-personal-rights',
        () =>
          base({
            legalBasis: 'cn-personal-rights',
            locale: 'zh-CN',
            complainant: { name: '李四', email: email('ls') },
            items: [{ articleUrl: articleUrl(2), kind: 'passage', detail: '打造鼓励创新的生态系统' }],
            explanation: '该段落侵犯了本人的名誉权。',
          }),
        true,
      ],
      [
        'us-dmca',
        () =>
          base({
            legalBasis: 'us-dmca',
            complainant: {
              name: 'John Doe',
              email: email('jd'),
              phone: '+1 555 0100',
              address: '1 Main St, Springfield',
            },
            originalWork: { description: 'My photograph of the forum' },
            signature: 'John Doe',
            declarations: { truthful: true, goodFaith: true, perjury: true },
          }),
        false,
      ],
      ['eu-dsa', () => base(), false],
      [
        'accuracy',
        () =>
          base({
            legalBasis: 'accuracy',
            declarations: { truthful: true },
            explanation: 'The article says 13 cities; the forum had 14.',
          }),
        false,
      ],
    ];

    it.each(cases)('%s: 201, rows, audit event, receipt and desk notice', async (basis, make, withEvidence) => {
      const body = make();
      const res = withEvidence
        ? await postMultipart(body, [
            { field: 'evidence', name: '权属证明.png', data: png, type: 'image/png' },
            { field: 'evidence', name: 'proof.pdf', data: pdf },
            // 民法典 Art. 1195: a personal-rights notice carries a proof of identity (staff only).
            ...(basis === 'cn-personal-rights' ? [{ field: 'identity', name: 'id-card.pdf', data: pdf }] : []),
          ])
        : await post(body);
      expect(res.status).toBe(201);
      const out = (await res.json()) as { reference: string; state: string; trackingUrl: string };
      expect(out.state).toBe('received');
      expect(out.reference).toMatch(/^ND-\d{4}-\d{6}$/);
      expect(out.trackingUrl).toMatch(new RegExp(`^${t.baseUrl}/track/[A-Za-z0-9_-]{43}$`));

      const [row] = await db.query<Array<{ id: string; legal_basis: string; state: string; locale: string }>>(
        `SELECT id, legal_basis, state, locale FROM complaint WHERE reference = $1`,
        [out.reference],
      );
      expect(row).toMatchObject({ legal_basis: basis, state: 'received' });
      const events = await db.query<
        Array<{ payload: { legalBasis: string; files: Array<{ sha256: string; purpose: string }> } }>
      >(`SELECT action, payload FROM audit_event WHERE subject_id = $1 AND action = 'complaint.received'`, [row.id]);
      expect(events).toHaveLength(1);
      expect(events[0].payload.legalBasis).toBe(basis);
      const files = await db.query<
        Array<{ sha256: string; content_type: string; storage_key: string; original_name: string }>
      >(
        `SELECT sha256, content_type, storage_key, original_name FROM evidence_file WHERE complaint_id = $1 AND purpose = 'evidence' ORDER BY content_type`,
        [row.id],
      );
      if (withEvidence) {
        expect(files.map((f) => f.content_type)).toEqual(['application/pdf', 'image/png']);
        expect(files[1].original_name).toBe('权属证明.png');
        expect(files[1].sha256).toBe(createHash('sha256').update(png).digest('hex'));
        expect(filesUnder(t.uploadDir).some((p) => p.endsWith(files[1].storage_key))).toBe(true);
        expect(
          events[0].payload.files
            .filter((f) => f.purpose === 'evidence')
            .map((f) => f.sha256)
            .sort(),
        ).toEqual(files.map((f) => f.sha256).sort());
        if (basis === 'cn-personal-rights')
          expect(events[0].payload.files.filter((f) => f.purpose === 'identity')).toHaveLength(1);
      } else {
        expect(files).toHaveLength(0);
      }

      const to = (body.complainant as { email: string }).email;
      const receipt = await t.sink.waitFor(
        (m) => m.subject?.includes(out.reference) === true && t.sink.to(to).includes(m),
      );
      expect(receipt.messageId).toMatch(/^<[0-9a-f-]{36}@news\.example\.test>$/);
      // The receipt's link is minted at send time: another token for the same case.
      const mailed = new RegExp(`${t.baseUrl}/track/[A-Za-z0-9_-]{43}`).exec(receipt.text ?? '')?.[0] as string;
      expect(mailed).toBeDefined();
      expect(mailed).not.toBe(out.trackingUrl);
      expect(receipt.html).toContain(`href="${mailed}"`);
      const viaMail = (await (await fetch(mailed.replace('/track/', '/api/v1/track/'))).json()) as {
        reference: string;
      };
      expect(viaMail.reference).toBe(out.reference);
      expect(receipt.html).toContain(out.reference);
      if (body.locale === 'zh-CN') expect(receipt.subject).toMatch(/[\u4e00-\u9fff]/);
      else expect(receipt.subject).not.toMatch(/[\u4e00-\u9fff]/);
      const notice = await t.sink.waitFor(
        (m) => m.subject?.includes(out.reference) === true && t.sink.to('desk@example.test').includes(m),
      );
      expect(notice.text).toContain(`${t.baseUrl}/staff/complaints/${out.reference}`);
    });
  });

  describe('bad input', () => {
    const fieldsOf = async (res: Response) => {
      const body = (await res.json()) as {
        statusCode: number;
        code: string;
        message: string;
        details: Array<{ field: string }>;
      };
      expect(body.statusCode).toBe(422);
      expect(body.code).toBe('VALIDATION');
      expect(typeof body.message).toBe('string');
      return body.details.map((d) => d.field);
    };

    it.each([
      ['a bad email', () => base({ complainant: { name: 'X', email: 'not-an-email' } }), 'complainant.email'],
      ['no items', () => base({ items: [] }), 'items'],
      [
        'a URL that is not ours',
        () => base({ items: [{ articleUrl: 'https://elsewhere.example/a/1', kind: 'article' }] }),
        'items.0.articleUrl',
      ],
      [
        'an image that is not in the article',
        () => base({ items: [{ articleUrl: articleUrl(3), kind: 'image', detail: forum.images[0].id }] }),
        'items.0.detail',
      ],
      [
        'a passage complaint without the passage',
        () => base({ items: [{ articleUrl: articleUrl(3), kind: 'passage' }] }),
        'items.0.detail',
      ],
      ['no declarations', () => base({ declarations: undefined }), 'declarations'],
      [
        'the truthfulness statement not confirmed',
        () => base({ declarations: { truthful: false, goodFaith: true } }),
        'declarations.truthful',
      ],
      ['an unknown legal basis', () => base({ legalBasis: 'gdpr' }), 'legalBasis'],
      [
        'cn-copyright without address, work or evidence',
        () => base({ legalBasis: 'cn-copyright' }),
        'complainant.address',
      ],
      [
        'us-dmca without signature',
        () =>
          base({
            legalBasis: 'us-dmca',
            complainant: { name: 'J', email: email('x'), phone: '1', address: 'a' },
            originalWork: { description: 'w' },
            declarations: { truthful: true, goodFaith: true, perjury: true },
          }),
        'signature',
      ],
      [
        'an agent without the authorisation',
        () => base({ complainant: { name: 'Agent', email: email('agent'), actingFor: 'Rights Holder Ltd' } }),
        'authorisation',
      ],
    ])('%s: 422 naming the field', async (_name, make, field) => {
      const before = (await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM complaint`))[0].n;
      expect(await fieldsOf(await post(make()))).toContain(field);
      const after = (await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM complaint`))[0].n;
      expect(after).toBe(before);
    });

    it('reports several problems at once', async () => {
      const fields = await fieldsOf(
        await post({
          legalBasis: 'us-dmca',
          complainant: { email: 'x' },
          items: [{ articleUrl: 'http://nope/x', kind: 'article' }],
          declarations: {},
        }),
      );
      expect(fields).toEqual(
        expect.arrayContaining([
          'complainant.name',
          'complainant.email',
          'explanation',
          'signature',
          'complainant.phone',
          'declarations.perjury',
          'items.0.articleUrl',
        ]),
      );
    });

    it('rejects evidence whose content is not PDF, JPEG, PNG or WebP, whatever its name says', async () => {
      const res = await postMultipart(base(), [
        { field: 'evidence', name: 'photo.png', data: Buffer.from('GIF89a not really'), type: 'image/png' },
      ]);
      const body = (await res.json()) as { details: Array<{ field: string; rule: string }> };
      expect(res.status).toBe(422);
      expect(body.details).toContainEqual(expect.objectContaining({ field: 'evidence', rule: 'fileType' }));
    });

    it('answers malformed JSON with 400, a non-object with 422, an oversized body or file with 413', async () => {
      const bad = await post('{"legalBasis": ');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
      expect((await post('[1,2]')).status).toBe(422);
      const huge = await post(JSON.stringify(base({ explanation: 'x'.repeat(2 * 1024 * 1024) })));
      expect(huge.status).toBe(413);
      expect(await huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      const bigFile = await postMultipart(base(), [
        { field: 'evidence', name: 'big.pdf', data: Buffer.concat([pdf, Buffer.alloc(10 * 1024 * 1024 + 1)]) },
      ]);
      expect(bigFile.status).toBe(413);
      const badMultipart = new FormData();
      badMultipart.set('complaint', '{nope');
      expect((await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: badMultipart })).status).toBe(400);
    });
  });

  it('Idempotency-Key: a repeat returns the same case, with nothing duplicated and no second mail', async () => {
    const body = base();
    const key = `idem-${Date.now()}`;
    const first = await post(body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const a = (await first.json()) as { reference: string; trackingUrl: string };
    const second = await post(body, { 'Idempotency-Key': key });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual({ reference: a.reference, state: 'received', trackingUrl: a.trackingUrl });
    const concurrent = await Promise.all([1, 2, 3].map(() => post(body, { 'Idempotency-Key': key })));
    for (const r of concurrent) expect(((await r.json()) as { reference: string }).reference).toBe(a.reference);
    const rows = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM complaint WHERE idempotency_key = $1`,
      [key],
    );
    expect(rows[0].n).toBe(1);
    await t.sink.waitFor(
      (m) => m.subject?.includes(a.reference) === true && t.sink.to(body.complainant.email).includes(m),
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(t.sink.to(body.complainant.email)).toHaveLength(1);
    const jobs = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM mail_job m JOIN complaint c ON c.id = m.complaint_id WHERE c.reference = $1`,
      [a.reference],
    );
    expect(jobs[0].n).toBe(2);

    const reused = await post({ ...body, explanation: 'something else' }, { 'Idempotency-Key': key });
    expect(reused.status).toBe(409);
    expect(await reused.json()).toMatchObject({ code: 'CONFLICT' });
  });

  it('commits whole or not at all: a failure after the audit insert leaves no row, no file, no event, no mail', async () => {
    const victim = email('atomic');
    // A real failure inside the intake statement, after the audit event has been inserted.
    await db.query(`CREATE OR REPLACE FUNCTION test_fail_mail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.to_address = '${victim}' THEN RAISE EXCEPTION 'forced failure'; END IF; RETURN NEW; END $$`);
    await db.query(
      `CREATE TRIGGER test_fail_mail BEFORE INSERT ON mail_job FOR EACH ROW EXECUTE FUNCTION test_fail_mail()`,
    );
    try {
      const count = async (sql: string) => (await db.query<Array<{ n: number }>>(sql))[0].n;
      const before = {
        complaints: await count(`SELECT count(*)::int AS n FROM complaint`),
        events: await count(`SELECT count(*)::int AS n FROM audit_event`),
        jobs: await count(`SELECT count(*)::int AS n FROM mail_job`),
        files: filesUnder(t.uploadDir).length,
      };
      const res = await postMultipart(base({ complainant: { name: 'Atomic', email: victim } }), [
        { field: 'evidence', name: 'p.png', data: png, type: 'image/png' },
      ]);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'Internal error', details: null });
      expect(await count(`SELECT count(*)::int AS n FROM complaint`)).toBe(before.complaints);
      expect(await count(`SELECT count(*)::int AS n FROM audit_event`)).toBe(before.events);
      expect(await count(`SELECT count(*)::int AS n FROM mail_job`)).toBe(before.jobs);
      expect(filesUnder(t.uploadDir)).toHaveLength(before.files);
      await new Promise((r) => setTimeout(r, 500));
      expect(t.sink.to(victim)).toHaveLength(0);
    } finally {
      await db.query(`DROP TRIGGER test_fail_mail ON mail_job`);
      await db.query(`DROP FUNCTION test_fail_mail()`);
    }
  });

  it('tracks a case by its private link, in the complainant’s language', async () => {
    const out = (await (await post(base({ locale: 'zh-CN' }))).json()) as { reference: string; trackingUrl: string };
    const token = out.trackingUrl.split('/').pop() as string;
    const api = await fetch(`${t.baseUrl}/api/v1/track/${token}`);
    expect(api.status).toBe(200);
    const view = (await api.json()) as { reference: string; state: string; timeline: Array<{ action: string }> };
    expect(view).toMatchObject({ reference: out.reference, state: 'received' });
    expect(view.timeline[0].action).toBe('complaint.received');
    const page = await fetch(out.trackingUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain(out.reference);
    expect((await fetch(`${t.baseUrl}/api/v1/track/${'A'.repeat(43)}`)).status).toBe(404);
  });

  it('takes 20 complaints at once, each with its own reference', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => post(base())));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const refs = await Promise.all(results.map(async (r) => ((await r.json()) as { reference: string }).reference));
    expect(new Set(refs).size).toBe(20);
  });
});

describe('intake rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ INTAKE_RATE_LIMIT: '2' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 with Retry-After once an IP spent its complaints for the minute', async () => {
    const send = () =>
      fetch(`${t.baseUrl}/api/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await send()).status).toBe(422);
    expect((await send()).status).toBe(422);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
  });
});
