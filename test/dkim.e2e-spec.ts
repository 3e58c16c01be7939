import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { loadConfig } from '../src/config/config';
import { startTestApp, TestApp } from './helpers/app';

/**
 * DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY: what the SMTP sink received verifies with a
 * real DKIM verifier (mailauth) against the public key the test generated and publishes in a
 * stub DNS resolver, and fails against another key.
 */
describe('DKIM-signed outgoing mail', () => {
  let t: TestApp;
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const txt = (k: typeof keys) =>
    `v=DKIM1; k=rsa; p=${k.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

  beforeAll(async () => {
    t = await startTestApp({
      DKIM_DOMAIN: 'news.example.test',
      DKIM_SELECTOR: 'nd2026',
      // As an environment variable usually carries it: one line with \n escapes.
      DKIM_PRIVATE_KEY: (keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).replace(/\n/g, '\\n'),
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('signs the receipt so that a receiver holding the published key verifies it', async () => {
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    const email = `dkim-${Date.now()}@example.test`;
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'accuracy',
        locale: 'en',
        complainant: { name: 'Pat Doe', email },
        items: [{ articleUrl: list.items[0].url, kind: 'article' }],
        explanation: 'A date is wrong.',
        declarations: { truthful: true },
      }),
    });
    expect(res.status).toBe(201);
    const mail = await t.sink.waitFor((m) => t.sink.to(email).includes(m));
    const raw = t.sink.raw.get(mail.messageId!)!;
    const signature = /^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)/m.exec(raw.toString('latin1'))?.[1] ?? '';
    expect(signature).toMatch(/\bd=news\.example\.test;/);
    expect(signature).toMatch(/\bs=nd2026;/);
    const verify = (published: string) =>
      dkimVerify(raw, {
        resolver: (name: string, type: string) =>
          Promise.resolve(name === 'nd2026._domainkey.news.example.test' && type === 'TXT' ? [[published]] : []),
      });
    const good = await verify(txt(keys));
    expect(good.results[0].status.result).toBe('pass');
    const bad = await verify(txt(other));
    expect(bad.results[0].status.result).not.toBe('pass');
  });

  it('refuses a partial DKIM configuration at boot', () => {
    expect(() => loadConfig({ DKIM_DOMAIN: 'news.example.test', DKIM_SELECTOR: 'nd2026' })).toThrow(
      /DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together/,
    );
  });
});
