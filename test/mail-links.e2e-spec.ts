import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LinkGoneError, mintMailLinks } from '../src/mail/mail-links';
import { startTestApp, TestApp } from './helpers/app';

/** Private links minted at send time: a resend of one message leaves one live link, not two. */
describe('private links per message (real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_WORKER: 'false' });
    db = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a resend of the same mail replaces the earlier attempt’s link; another mail keeps its own', async () => {
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=1`)).json()) as {
      items: Array<{ url: string }>;
    };
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: 'Pat Doe', email: `links-${Date.now()}@example.test` },
        items: [{ articleUrl: list.items[0].url, kind: 'article' }],
        explanation: 'This article is unlawful.',
        declarations: { truthful: true, goodFaith: true },
      }),
    });
    expect(res.status).toBe(201);
    const { reference } = (await res.json()) as { reference: string };
    const [c] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [reference]);
    const job = {
      id: randomUUID(),
      to_address: 'pat@example.test',
      complaint_id: c.id,
      payload: { trackingUrl: null },
    };
    const mint = async (j = job) => String((await mintMailLinks(db, t.baseUrl, j)).trackingUrl);
    const status = async (url: string) => (await fetch(url)).status;

    const first = await mint();
    expect(await status(first)).toBe(200);
    const second = await mint(); // the same message sent again
    expect(second).not.toBe(first);
    expect(await status(first)).toBe(404);
    expect(await status(second)).toBe(200);
    const other = await mint({ ...job, id: randomUUID() }); // a different message
    expect(await status(other)).toBe(200);
    expect(await status(second)).toBe(200);
  });

  it('an invitation that is no longer open is a permanent failure (the worker fails the mail at once)', async () => {
    const job = {
      id: randomUUID(),
      to_address: 'new@example.test',
      complaint_id: null,
      payload: { invitation: randomUUID(), invitationUrl: null },
    };
    await expect(mintMailLinks(db, t.baseUrl, job)).rejects.toBeInstanceOf(LinkGoneError);
  });
});
