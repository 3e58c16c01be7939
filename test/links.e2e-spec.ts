import { request as httpRequest } from 'node:http';
import { isHttpUrl } from '../src/common/http-url';
import { sitePath } from '../src/common/site-path';
import { startTestApp, TestApp } from './helpers/app';

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise "\" and ".."). */
function rawGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, path, method: 'GET', headers: { accept: 'text/html', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const langLinks = (html: string) => [...html.matchAll(/<a class="lang-switch" href="([^"]*)"/g)].map((m) => m[1]);

describe('links users supply, and links built from the request path', () => {
  let t: TestApp;
  let articleUrl: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp();
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=5`)).json()) as {
      items: Array<{ url: string }>;
    };
    articleUrl = list.items[0].url;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('isHttpUrl: absolute http(s) with a host only', () => {
    for (const ok of [
      'http://example.com',
      'https://example.com/a?b=c#d',
      'HTTPS://Example.com:8443/x',
      'http://127.0.0.1:3000/articles/x',
    ])
      expect(isHttpUrl(ok)).toBe(true);
    for (const bad of [
      'javascript:alert(1)',
      'JavaScript://example.com/%0aalert(1)',
      'data:text/html,<b>x</b>',
      'evil.example/x',
      '//evil.example/x',
      'http:evil.example',
      'http:\\\\evil.example',
      'https://',
      'https:///x',
      ' https://example.com',
      'https://exa mple.com',
      'https://user:pw@example.com/',
      'ftp://example.com/x',
      '',
    ])
      expect([bad, isHttpUrl(bad)]).toEqual([bad, false]);
  });

  describe('originalWork.url and item URLs must be absolute http(s) URLs', () => {
    const complaint = (over: Record<string, unknown>) => ({
      legalBasis: 'us-dmca',
      locale: 'en',
      complainant: {
        name: 'Jane Roe',
        email: `links-${Date.now()}-${seq++}@example.test`,
        address: '1 Main St',
        phone: '+1 555 0100',
      },
      items: [{ articleUrl, kind: 'article' }],
      originalWork: { description: 'my photograph', url: 'https://photos.example/1' },
      explanation: 'This copies my photograph.',
      signature: 'Jane Roe',
      declarations: { truthful: true, goodFaith: true, perjury: true },
      ...over,
    });
    const post = (body: unknown) =>
      fetch(`${t.baseUrl}/api/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it.each(['javascript:alert(document.cookie)', 'evil.example/x', '//evil.example/x', 'http:evil.example'])(
      'API: originalWork.url %j is a 422 VALIDATION naming the field',
      async (url) => {
        const res = await post(complaint({ originalWork: { description: 'my photograph', url } }));
        expect(res.status).toBe(422);
        const body = (await res.json()) as { statusCode: number; code: string; message: string; details: unknown[] };
        expect(body).toMatchObject({ statusCode: 422, code: 'VALIDATION' });
        expect(body.message.length).toBeGreaterThan(0);
        expect(body.details).toContainEqual({
          field: 'originalWork.url',
          rule: 'url',
          message: 'must be an absolute http:// or https:// URL',
        });
      },
    );

    it('API: an item URL that is no http(s) URL says so (not "unknown article"); an image named by a javascript: URL too', async () => {
      const res = await post(complaint({ items: [{ articleUrl: 'javascript:alert(1)', kind: 'article' }] }));
      expect(res.status).toBe(422);
      const body = (await res.json()) as { details: Array<{ field: string; rule: string }> };
      expect(body.details.filter((d) => d.field === 'items.0.articleUrl')).toEqual([
        expect.objectContaining({ rule: 'url' }),
      ]);
      const img = await post(
        complaint({ items: [{ articleUrl, kind: 'image', detail: 'javascript://x/%0aalert(1)' }] }),
      );
      expect(img.status).toBe(422);
      expect(((await img.json()) as { details: unknown[] }).details).toContainEqual(
        expect.objectContaining({ field: 'items.0.detail', rule: 'url' }),
      );
    });

    it('API: a good URL is accepted and stored', async () => {
      const res = await post(complaint({}));
      expect(res.status).toBe(201);
    });

    it.each([
      ['en', 'Enter a URL starting with http:// or https://'],
      ['zh-CN', '请输入以 http:// 或 https:// 开头的网址'],
    ])(
      'form (%s): a scheme-less originalWork.url is a 422 with the message in the page language',
      async (lang, message) => {
        const page = await fetch(`${t.baseUrl}/complaints/new?lang=${lang}`);
        const cookies = page.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; ');
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
        const form = new FormData();
        const fields: Record<string, string> = {
          _csrf: csrf,
          legalBasis: 'eu-dsa',
          'complainant[name]': 'Jane Roe',
          'complainant[email]': `links-form-${Date.now()}-${seq++}@example.test`,
          'items[0][articleUrl]': articleUrl,
          'items[0][kind]': 'article',
          'originalWork[description]': 'my text',
          'originalWork[url]': 'evil.example/x',
          explanation: 'This article contains illegal content.',
          'declarations[truthful]': 'true',
          'declarations[goodFaith]': 'true',
        };
        for (const [k, v] of Object.entries(fields)) form.set(k, v);
        const res = await fetch(`${t.baseUrl}/complaints?lang=${lang}`, {
          method: 'POST',
          headers: { cookie: cookies },
          body: form,
        });
        expect(res.status).toBe(422);
        const html = await res.text();
        expect(html).toContain(message);
        expect(html).toContain('href="#originalWork.url"');
      },
    );
  });

  describe('the language switch stays on this site', () => {
    it('sitePath keeps one leading slash whatever the request path', () => {
      expect(sitePath('//evil.example/x')).toBe('/evil.example/x');
      expect(sitePath('/\\evil.example')).toBe('/evil.example');
      expect(sitePath('/\\/\\evil.example/')).toBe('/evil.example/');
      expect(sitePath('/\t/evil.example')).toBe('/evil.example');
      expect(sitePath('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
      expect(sitePath('')).toBe('/');
      expect(sitePath('/complaints/new')).toBe('/complaints/new');
    });

    it.each([
      ['//evil.example/x', '/evil.example/x'],
      ['///evil.example/x', '/evil.example/x'],
      ['/\\evil.example', '/evil.example'],
      ['/\\\\evil.example/x', '/evil.example/x'],
      ['//evil.example/x?next=1', '/evil.example/x'],
      ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
      ['/%5C%5Cevil.example', '/%5C%5Cevil.example'],
      ['/%2fevil.example', '/%2fevil.example'],
    ])('the 404 page for %j links the other language to a path on this site', async (path, expected) => {
      for (const lang of ['en', 'zh-CN']) {
        const res = await rawGet(t.baseUrl, path, { cookie: `lang=${lang}` });
        expect(res.status).toBe(404);
        const links = langLinks(res.body);
        expect(links).toHaveLength(1);
        const other = lang === 'en' ? 'zh-CN' : 'en';
        expect(links[0]).toBe(`${expected}?lang=${other}`);
        // Read as a browser would: the link stays on this origin.
        expect(new URL(links[0].replace(/&amp;/g, '&'), `${t.baseUrl}${'/a/b'}`).origin).toBe(t.baseUrl);
      }
    });
  });
});
