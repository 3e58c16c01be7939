import { createHash } from 'node:crypto';
import http from 'node:http';
import { IntakeFastPath } from '../src/complaints/intake-fast-path';
import { startTestApp, TestApp } from './helpers/app';

/** Express's weak ETag of a body (the `etag` package: length in hex, SHA-1 in base64, 27 characters). */
const etag = (body: string) =>
  `W/"${Buffer.byteLength(body).toString(16)}-${createHash('sha1').update(body, 'utf8').digest('base64').slice(0, 27)}"`;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Req {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One request over node:http (so that every header, Content-Length included, is what the test says). */
function send(base: string, r: Req): Promise<Answer> {
  const url = new URL(r.path ?? '/api/v1/complaints', base);
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: r.method ?? 'POST',
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...r.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join('\n') : String(v)]),
            ),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The intake fast path (src/complaints/intake-fast-path.ts) answers exactly what the Nest route
 * answers: the same requests go to an app with it (INTAKE_FAST_PATH=true) and one without, on the
 * same database, and status, headers and bodies must be the same apart from what differs between
 * any two filings (reference, tracking token, the app's own address, and so the ETag, Date).
 */
describe('intake fast path answers as the Nest route does (real PostgreSQL, two apps)', () => {
  let fast: TestApp;
  let nest: TestApp;
  let articleUrl: string;
  const served = jest.spyOn(IntakeFastPath.prototype, 'serve');
  let seq = 0;
  /** A client address of its own per request (X-Forwarded-For from loopback is trusted), so no budget is shared. */
  const ip = () => `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq++ & 255}`;

  const valid = (email: string, extra: Record<string, unknown> = {}) => ({
    legalBasis: 'eu-dsa',
    locale: 'en',
    complainant: { name: 'Fast Path', email },
    items: [{ articleUrl, kind: 'article' }],
    explanation: 'This article contains illegal content.',
    declarations: { truthful: true, goodFaith: true },
    ...extra,
  });
  const jsonReq = (body: unknown, headers: Record<string, string> = {}): Req => ({
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip(), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  /** Only what differs between two filings or two apps is replaced. */
  function normalise(a: Answer, app: TestApp, head: boolean): Answer {
    const clean = (s: string) =>
      s
        .split(app.baseUrl)
        .join('BASE')
        .replace(/ND-\d{4}-\d{6}/g, 'ND-REF')
        .replace(/\/track\/[A-Za-z0-9_-]+/g, '/track/TOKEN')
        .replace(/fp-(?:fast|nest)-/g, 'fp-APP-');
    const headers = { ...a.headers };
    // The ETag and the length are checked against each app's own body; Date differs by nature.
    if (!head) expect(headers['content-length']).toBe(String(Buffer.byteLength(a.body)));
    if (headers.etag !== undefined && !head) expect(headers.etag).toBe(etag(a.body));
    delete headers.date;
    delete headers.etag;
    delete headers['content-length'];
    if (headers.location) headers.location = clean(headers.location);
    // The rate limiter's window may have moved on by a second between the two requests.
    if (headers['retry-after']) headers['retry-after'] = Number(headers['retry-after']) >= 59 ? '59+' : 'less';
    return { status: a.status, headers, body: clean(a.body) };
  }

  /** Sends `make()` (a fresh request per app) to both; expects the same answer and returns it. */
  async function both(make: (app: 'fast' | 'nest') => Req): Promise<{ fast: Answer; nest: Answer }> {
    const fr = make('fast');
    const f = await send(fast.baseUrl, fr);
    const n = await send(nest.baseUrl, make('nest'));
    const head = fr.method === 'HEAD';
    expect(normalise(f, fast, head)).toEqual(normalise(n, nest, head));
    return { fast: f, nest: n };
  }

  /** The fast path's serve() calls made while `run` ran. */
  async function servedDuring(run: () => Promise<unknown>): Promise<number> {
    const before = served.mock.calls.length;
    await run();
    return served.mock.calls.length - before;
  }

  beforeAll(async () => {
    fast = await startTestApp({ INTAKE_FAST_PATH: 'true', INTAKE_RATE_LIMIT: '3', MAIL_WORKER: 'false' });
    nest = await startTestApp({ INTAKE_FAST_PATH: 'false', INTAKE_RATE_LIMIT: '3', MAIL_WORKER: 'false' });
    const list = (await (await fetch(`${fast.baseUrl}/api/v1/articles?limit=1`)).json()) as {
      items: Array<{ url: string }>;
    };
    articleUrl = list.items[0].url;
  });

  afterAll(async () => {
    served.mockRestore();
    await fast?.close();
    await nest?.close();
  });

  it('files a complaint: 201, Location, the same security and cache headers, the same body', async () => {
    let r!: { fast: Answer; nest: Answer };
    expect(
      await servedDuring(async () => (r = await both((app) => jsonReq(valid(`ok-${app}-${seq}@example.test`))))),
    ).toBe(1);
    expect(r.fast.status).toBe(201);
    expect(r.fast.headers['cache-control']).toBe('no-store');
    expect(r.fast.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.fast.headers.location).toMatch(/^\/api\/v1\/complaints\/ND-\d{4}-\d{6}$/);
    expect(JSON.parse(r.fast.body)).toEqual({
      reference: expect.stringMatching(/^ND-/) as unknown,
      state: 'received',
      trackingUrl: expect.stringContaining(`${fast.baseUrl}/track/`) as unknown,
    });
  });

  it('takes charset=utf-8, white space before the object and a byte-order mark like the JSON parser does', async () => {
    const n = await servedDuring(async () => {
      const a = await both((app) =>
        jsonReq(valid(`cs-${app}-${seq}@example.test`), { 'content-type': 'Application/JSON; Charset="UTF-8"' }),
      );
      expect(a.fast.status).toBe(201);
      const b = await both((app) => jsonReq(`\r\n\t ${JSON.stringify(valid(`ws-${app}-${seq}@example.test`))}`));
      expect(b.fast.status).toBe(201);
      const c = await both((app) => jsonReq(`\ufeff${JSON.stringify(valid(`bom-${app}-${seq}@example.test`))}`));
      expect(c.fast.status).toBe(201);
    });
    expect(n).toBe(3);
  });

  it('replays an Idempotency-Key (201 with Idempotent-Replayed) and refuses it for another body (409)', async () => {
    const keys = { fast: `fp-fast-${Date.now()}`, nest: `fp-nest-${Date.now()}` };
    const emails = { fast: `idem-fast-${seq}@example.test`, nest: `idem-nest-${seq}@example.test` };
    const n = await servedDuring(async () => {
      const first = await both((app) => jsonReq(valid(emails[app]), { 'idempotency-key': keys[app] }));
      expect(first.fast.status).toBe(201);
      expect(first.fast.headers['idempotent-replayed']).toBeUndefined();
      const again = await both((app) => jsonReq(valid(emails[app]), { 'idempotency-key': keys[app] }));
      expect(again.fast.status).toBe(201);
      expect(again.fast.headers['idempotent-replayed']).toBe('true');
      expect(JSON.parse(again.fast.body)).toEqual(JSON.parse(first.fast.body));
      const other = await both((app) =>
        jsonReq(valid(emails[app], { explanation: 'Another text.' }), { 'idempotency-key': keys[app] }),
      );
      expect(other.fast.status).toBe(409);
      expect(JSON.parse(other.fast.body)).toMatchObject({ statusCode: 409, code: 'CONFLICT' });
    });
    expect(n).toBe(3);
  });

  it('answers malformed and non-object JSON with the JSON parser’s own 400 (before the rate limit, without no-store)', async () => {
    const bodies = ['{bad', '{"a":1,}', '"just a string"', '42', 'null', '{"a": "\\u12"}', ' x'];
    const statuses: number[] = [];
    const n = await servedDuring(async () => {
      for (const b of bodies) {
        const r = await both(() => jsonReq(b));
        statuses.push(r.fast.status);
        expect(JSON.parse(r.fast.body)).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', details: null });
      }
    });
    expect(statuses).toEqual(bodies.map(() => 400));
    expect(n).toBe(bodies.length);
  });

  it('answers every validation failure with the same 422 details', async () => {
    const bodies: unknown[] = [
      {},
      [],
      valid('not-an-address'),
      valid(`x-${seq}@example.test`, { legalBasis: 'nope' }),
      valid(`x-${seq}@example.test`, { items: [{ articleUrl: 'https://elsewhere.example/a', kind: 'article' }] }),
      valid(`x-${seq}@example.test`, { declarations: { truthful: false } }),
      valid(`x-${seq}@example.test`, { items: [] }),
      valid(`x-${seq}@example.test`, { originalWork: { url: 'javascript:alert(1)' } }),
      valid(`x-${seq}@example.test`, { explanation: 'x'.repeat(20000) }),
      { ...valid(`x-${seq}@example.test`), complainant: 'me' },
    ];
    const statuses: number[] = [];
    const n = await servedDuring(async () => {
      for (const b of bodies) {
        const r = await both(() => jsonReq(b));
        statuses.push(r.fast.status);
        expect(JSON.parse(r.fast.body)).toMatchObject({ statusCode: 422, code: 'VALIDATION' });
        expect(r.fast.headers['cache-control']).toBe('no-store');
      }
    });
    expect(statuses).toEqual(bodies.map(() => 422));
    expect(n).toBe(bodies.length);
  });

  it('spends the same rate limit per client address and answers 429 with Retry-After', async () => {
    const addr = { fast: ip(), nest: ip() };
    const statuses: number[] = [];
    const n = await servedDuring(async () => {
      for (let i = 0; i < 4; i++) {
        const r = await both((app) => jsonReq('{}', { 'x-forwarded-for': addr[app] }));
        statuses.push(r.fast.status);
      }
      // A body that does not parse is refused before the limit is looked at, as the JSON parser runs first.
      const bad = await both((app) => jsonReq('{bad', { 'x-forwarded-for': addr[app] }));
      expect(bad.fast.status).toBe(400);
    });
    expect(statuses).toEqual([422, 422, 422, 429]);
    expect(n).toBe(5);
    // Still spent a minute later in the test: the budget is per address, not per connection.
    const last = await both((app) => jsonReq('{}', { 'x-forwarded-for': addr[app] }));
    expect(last.fast.status).toBe(429);
    expect(Number(last.fast.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('leaves everything else to Express: other content types, charsets, encodings, sizes, methods, paths', async () => {
    const big = JSON.stringify(valid(`big-${seq}@example.test`, { explanation: 'x'.repeat(1024 * 1024) }));
    const cases: Array<{ req: () => Req; status: number }> = [
      { req: () => ({ ...jsonReq(big) }), status: 413 },
      { req: () => jsonReq('{}', { 'content-type': 'text/plain' }), status: 422 },
      { req: () => jsonReq('{}', { 'content-type': 'application/json; charset=latin1' }), status: 415 },
      { req: () => jsonReq('{}', { 'content-type': 'application/vnd.api+json' }), status: 422 },
      { req: () => jsonReq('', {}), status: 422 },
      { req: () => jsonReq('{}', { 'content-encoding': 'identity' }), status: 422 },
      { req: () => jsonReq('{}', { authorization: 'Bearer nd_not_a_token' }), status: 422 },
      { req: () => ({ ...jsonReq('{}'), path: '/api/v1/complaints?lang=en' }), status: 422 },
      { req: () => ({ ...jsonReq('{}'), path: '/api/v1/complaints/' }), status: 422 },
      { req: () => ({ ...jsonReq('{}'), path: '/API/v1/complaints' }), status: 422 },
      { req: () => ({ method: 'GET', headers: { 'x-forwarded-for': ip() } }), status: 404 },
      { req: () => ({ method: 'HEAD', headers: { 'x-forwarded-for': ip() } }), status: 404 },
      { req: () => ({ ...jsonReq('{}'), method: 'PUT' }), status: 404 },
    ];
    const statuses: number[] = [];
    const n = await servedDuring(async () => {
      for (const c of cases) statuses.push((await both(c.req)).fast.status);
    });
    expect(statuses).toEqual(cases.map((c) => c.status));
    expect(n).toBe(0);
  });

  it('still takes a multipart filing with evidence through Nest on the same app', async () => {
    const form = () => {
      const f = new FormData();
      f.set('complaint', JSON.stringify(valid(`mp-${seq++}@example.test`)));
      f.set('evidence', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')], { type: 'application/pdf' }), 'proof.pdf');
      return f;
    };
    const n = await servedDuring(async () => {
      for (const t of [fast, nest]) {
        const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
          method: 'POST',
          headers: { 'x-forwarded-for': ip() },
          body: form(),
        });
        expect(res.status).toBe(201);
      }
    });
    expect(n).toBe(0);
  });
});
