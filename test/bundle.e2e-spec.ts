import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import * as yauzl from 'yauzl';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { VERIFY_COMMANDS } from '../src/bundle/bundle-verify';
import { InboxService } from '../src/inbox/inbox.service';
import { startTestApp, TestApp } from './helpers/app';
import { testDatabaseUrl } from './helpers/database';
import { createStaff, signIn, tokenStaff } from './helpers/staff';
import type { StaffSession, TokenStaff } from './helpers/staff';

const run = promisify(execFile);
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

/** Unpacks a ZIP (yauzl, as any unzip would) into `dir`; returns the entry names. */
function unzip(zip: Buffer, dir: string): Promise<string[]> {
  return new Promise((done, fail) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return fail(err ?? new Error('no zip'));
      const names: string[] = [];
      file.on('error', fail);
      file.on('end', () => done(names));
      file.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const path = join(dir, entry.fileName);
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, Buffer.concat(chunks));
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

/** Runs one of VERIFY.txt's command lines as written, in `cwd`, with the database URL it names. */
async function verifyCommand(command: string, cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('bash', ['-c', command], {
      cwd,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl() },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? 1, out: e.stdout ?? '' };
  }
}

/**
 * The evidence bundle of a case: a decided case with an evidence file, sent mail and an incoming
 * reply is exported by an admin (API and page); the ZIP is unpacked and every part checked against
 * the database and the disk, and VERIFY.txt's commands are run as written (sha256sum, psql), so the
 * hashes in the bundle verify by the documented procedure; a changed event text then fails it.
 * Moderators are refused; the export is an audit event.
 */
describe('evidence bundle per case (real PostgreSQL, SMTP, files)', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: TokenStaff;
  let mod: TokenStaff;
  let adminSession: StaffSession;
  let modSession: StaffSession;
  let reference: string;
  let complaintId: string;
  let rawReply: Buffer;
  const work = mkdtempSync(join(tmpdir(), 'nd-bundle-'));

  const api = (who: TokenStaff, method: string, path: string, body?: unknown, signal?: AbortSignal) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      signal,
      headers: {
        authorization: `Bearer ${who.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    admin = await tokenStaff(db, 'admin', 'Bundle Admin');
    mod = await tokenStaff(db, 'moderator', 'Bundle Mod');
    const [a, m] = await Promise.all([
      createStaff(db, { role: 'admin', displayName: 'Page Admin' }),
      createStaff(db, { role: 'moderator', displayName: 'Page Mod' }),
    ]);
    [adminSession, modSession] = await Promise.all([signIn(t.baseUrl, a.email), signIn(t.baseUrl, m.email)]);

    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    const article =
      list.items.find((x) => x.slug === 'news-12' && x.images.length) ?? list.items.find((x) => x.images.length)!;
    const form = new FormData();
    form.set(
      'complaint',
      JSON.stringify({
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: 'Bea Bundle', email: `bea-${Date.now()}@example.test` },
        items: [{ articleUrl: article.url, kind: 'image', detail: article.images[0].id }],
        explanation: 'This photograph is mine.',
        declarations: { truthful: true, goodFaith: true },
      }),
    );
    form.append('evidence', new Blob([PNG], { type: 'image/png' }), 'my photo.png');
    const filed = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(filed.status).toBe(201);
    reference = ((await filed.json()) as { reference: string }).reference;
    [{ id: complaintId }] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [
      reference,
    ]);
    expect(
      (await api(mod, 'POST', `/api/v1/complaints/${reference}/transitions`, { to: 'in_review', version: 1 })).status,
    ).toBe(200);
    const uphold = await api(mod, 'POST', `/api/v1/complaints/${reference}/transitions`, {
      to: 'actioned',
      version: 2,
      reason: 'The photograph is the complainant’s.',
      remedies: [{ item: 0, remedy: 'remove_image' }],
    });
    expect(uphold.status).toBe(200);
    // The mail is sent (receipt, decision, owner notice), then the complainant replies to the receipt.
    const receipt = await t.sink.waitFor(
      (m) => m.subject?.includes(reference) === true && /receipt|received/i.test(m.subject ?? ''),
    );
    await t.sink.waitFor(
      (m) => m.headers.get('x-notice-desk-reference') === reference && m.messageId !== receipt.messageId,
    );
    rawReply = Buffer.from(
      [
        `From: Bea Bundle <bea@example.test>`,
        `To: desk@example.test`,
        `Subject: Re: ${reference}`,
        `Message-ID: <reply-${Date.now()}@example.test>`,
        `In-Reply-To: ${receipt.messageId}`,
        `Date: ${new Date().toUTCString()}`,
        `Content-Type: text/plain; charset=utf-8`,
        ``,
        `Thank you. Here is more about my photograph.`,
        ``,
      ].join('\r\n'),
    );
    const received = await t.app.get(InboxService).receive(rawReply, 'smtp');
    expect(received.complaintReference).toBe(reference);
    // Everything so far sealed, so every event of the case has its digest in the bundle.
    await t.app.get(AuditSealer).sealNow();
  });

  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses moderators (API and page) and the public', async () => {
    const viaApi = await api(mod, 'GET', `/api/v1/complaints/${reference}/bundle`);
    expect(viaApi.status).toBe(403);
    expect(((await viaApi.json()) as { code: string }).code).toBe('FORBIDDEN');
    const page = await fetch(`${t.baseUrl}/staff/complaints/${reference}/bundle.zip`, {
      headers: { cookie: modSession.cookie },
      redirect: 'manual',
    });
    expect(page.status).toBe(403);
    expect((await fetch(`${t.baseUrl}/api/v1/complaints/${reference}/bundle`)).status).toBe(401);
    // The case page shows the button to admins only.
    const modPage = await (
      await fetch(`${t.baseUrl}/staff/complaints/${reference}`, { headers: { cookie: modSession.cookie } })
    ).text();
    expect(modPage).not.toContain('data-bundle');
    const adminPage = await (
      await fetch(`${t.baseUrl}/staff/complaints/${reference}?lang=en`, { headers: { cookie: adminSession.cookie } })
    ).text();
    expect(adminPage).toContain(`href="/staff/complaints/${reference}/bundle.zip"`);
    const none = await db.query<unknown[]>(
      `SELECT 1 FROM audit_event WHERE action = 'complaint.bundle_exported' AND subject_id = $1`,
      [complaintId],
    );
    expect(none).toHaveLength(0);
  });

  it('answers 404 for an unknown case', async () => {
    expect((await api(admin, 'GET', `/api/v1/complaints/ND-1999-999999/bundle`)).status).toBe(404);
  });

  it('exports a ZIP with every part, whose hashes verify by VERIFY.txt’s procedure', async () => {
    // The case's mail all sent (each send is an event), then everything sealed.
    for (let i = 0; i < 100; i++) {
      const [{ n }] = await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM mail_job WHERE complaint_id = $1 AND state IN ('pending', 'sending')`,
        [complaintId],
      );
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await t.app.get(AuditSealer).sealNow();
    const res = await api(admin, 'GET', `/api/v1/complaints/${reference}/bundle`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain(`${reference}-bundle.zip`);
    const names = await unzip(Buffer.from(await res.arrayBuffer()), work);
    const root = join(work, reference);
    const read = (p: string) => readFileSync(join(root, p));

    // The export is in the trail, by the admin.
    const exported = await db.query<Array<{ actor_id: string }>>(
      `SELECT actor_id FROM audit_event WHERE action = 'complaint.bundle_exported' AND subject_id = $1::text`,
      [complaintId],
    );
    expect(exported).toEqual([{ actor_id: admin.id }]);

    // complaint.json: the case as stored, without token hashes.
    const cj = JSON.parse(read('complaint.json').toString('utf8')) as Record<string, Array<Record<string, unknown>>> & {
      complaint: Record<string, unknown>;
    };
    expect(cj.complaint).toMatchObject({ reference, state: 'actioned', legal_basis: 'eu-dsa' });
    expect(cj.complaint).not.toHaveProperty('tracking_token_hash');
    expect(cj.complaint_item).toHaveLength(1);
    expect(cj.evidence_file).toHaveLength(1);
    expect(cj.evidence_file[0]).not.toHaveProperty('storage_key');

    // The evidence file, byte for byte.
    const files = names.filter((n) => n.startsWith(`${reference}/files/`));
    expect(files).toHaveLength(1);
    expect(readFileSync(join(work, files[0])).equals(PNG)).toBe(true);
    expect(files[0]).toMatch(/files\/01-evidence-my_photo\.png$/);

    // The article snapshot taken at filing.
    const snaps = names.filter((n) => n.startsWith(`${reference}/snapshots/`));
    expect(snaps).toHaveLength(1);
    const [snap] = await db.query<Array<{ sha256: string }>>(
      `SELECT snapshot_sha256 AS sha256 FROM complaint_item WHERE complaint_id = $1`,
      [complaintId],
    );
    expect(JSON.parse(readFileSync(join(work, snaps[0]), 'utf8'))).toMatchObject({ sha256: snap.sha256 });

    // Every outgoing message as .eml: same Message-ID and subject as the one the SMTP server got; no private link.
    const jobs = await db.query<Array<{ message_id: string }>>(
      `SELECT message_id FROM mail_job WHERE complaint_id = $1 ORDER BY created_at, id`,
      [complaintId],
    );
    const outgoing = names.filter((n) => n.includes('/mail/outgoing/')).sort();
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    expect(outgoing).toHaveLength(jobs.length);
    const parsed = await Promise.all(outgoing.map((n) => simpleParser(readFileSync(join(work, n)))));
    expect(parsed.map((p) => p.messageId)).toEqual(jobs.map((j) => j.message_id));
    for (const p of parsed) {
      const sent = t.sink.messages.find((m) => m.messageId === p.messageId);
      expect([p.messageId, p.subject]).toEqual([p.messageId, sent?.subject]);
      expect(`${p.text ?? ''}${typeof p.html === 'string' ? p.html : ''}`).not.toMatch(
        /\/(track|respond)\/[A-Za-z0-9_-]{20,}/,
      );
    }
    expect(parsed.some((p) => (p.text ?? '').includes('private-link-withheld-in-bundle'))).toBe(true);

    // The incoming reply, raw.
    const incoming = names.filter((n) => n.includes('/mail/incoming/'));
    expect(incoming).toHaveLength(1);
    expect(readFileSync(join(work, incoming[0])).equals(rawReply)).toBe(true);

    // The audit events of the case, each with its seal; all sealed but the export itself.
    const events = read('audit/events.jsonl')
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; action: string; seal_id: string | null; digest: string | null });
    const dbEvents = await db.query<Array<{ id: string }>>(
      `SELECT id FROM audit_event WHERE (subject_type = 'complaint' AND subject_id = $1::text)
          OR (subject_type = 'inbox_message' AND subject_id IN (SELECT id::text FROM inbox_message WHERE complaint_id = $1::uuid))
        ORDER BY id`,
      [complaintId],
    );
    expect(events.map((e) => e.id)).toEqual(dbEvents.map((e) => e.id));
    expect(events.filter((e) => !e.seal_id).map((e) => e.action)).toEqual(['complaint.bundle_exported']);
    // The digest listed is the seal's own, at the event's position.
    const sealed = events.filter((e) => e.seal_id);
    expect(sealed.length).toBeGreaterThan(5);
    for (const e of sealed) {
      const seal = JSON.parse(read(`audit/seals/${e.seal_id}.json`).toString('utf8')) as {
        event_ids: string[];
        event_digests: string[];
      };
      expect(seal.event_digests[seal.event_ids.indexOf(e.id)]).toBe(e.digest);
      expect(
        createHash('sha256')
          .update(read(`audit/events/${e.id}.txt`))
          .digest('hex'),
      ).toBe(e.digest);
    }

    // VERIFY.txt, in both languages, with the commands run below.
    const verify = read('VERIFY.txt').toString('utf8');
    expect(verify).toContain('如何手工核验');
    expect(verify).toContain('how to verify it by hand');
    for (const cmd of Object.values(VERIFY_COMMANDS)) expect(verify.split(cmd).length).toBe(3);

    // Step 1: every file of the bundle against manifest.sha256.
    const step1 = await verifyCommand(VERIFY_COMMANDS.files, root);
    expect(step1.code).toBe(0);
    const listed = step1.out.trim().split('\n');
    expect(listed).toHaveLength(names.length - 1);
    expect(listed.every((l) => l.endsWith(': OK'))).toBe(true);
    // Step 2: each event text against the digest its seal recorded.
    const step2 = await verifyCommand(VERIFY_COMMANDS.events, root);
    expect(step2.code).toBe(0);
    expect(step2.out.trim().split('\n')).toHaveLength(sealed.length);
    // Step 3: the seals recomputed in PostgreSQL.
    const step3 = await verifyCommand(VERIFY_COMMANDS.seals, root);
    expect(step3.code).toBe(0);
    const sealIds = [...new Set(sealed.map((e) => e.seal_id))].sort((a, b) => Number(a) - Number(b));
    expect(step3.out.trim().split('\n')).toEqual(sealIds.map((id) => `${id} ok`));

    // A changed event text fails steps 1 and 2.
    const victim = join(root, `audit/events/${sealed[0].id}.txt`);
    writeFileSync(victim, readFileSync(victim, 'utf8').replace('complaint', 'c0mplaint'));
    expect((await verifyCommand(VERIFY_COMMANDS.events, root)).code).not.toBe(0);
    expect((await verifyCommand(VERIFY_COMMANDS.files, root)).code).not.toBe(0);
    expect(statSync(victim).size).toBeGreaterThan(0);
    expect(readdirSync(join(root, 'audit/seals')).length).toBe(sealIds.length);
  });

  it('streams the same bundle from the case page for an admin', async () => {
    const res = await fetch(`${t.baseUrl}/staff/complaints/${reference}/bundle.zip`, {
      headers: { cookie: adminSession.cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const dir = mkdtempSync(join(work, 'page-'));
    const names = await unzip(Buffer.from(await res.arrayBuffer()), dir);
    expect(names).toContain(`${reference}/VERIFY.txt`);
    expect((await verifyCommand(VERIFY_COMMANDS.files, join(dir, reference))).code).toBe(0);
  });

  it('streams in constant memory: five 9 MB files pass through without the live heap growing with them', async () => {
    const form = new FormData();
    form.set(
      'complaint',
      JSON.stringify({
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: 'Large Files', email: `large-${Date.now()}@example.test` },
        items: [{ articleUrl: `${t.baseUrl}/articles/news-13`, kind: 'article' }],
        explanation: 'Five large scans.',
        declarations: { truthful: true, goodFaith: true },
      }),
    );
    // PNG by its first bytes (the sniffer reads those), random (incompressible) after them.
    const sizes = [0, 1, 2, 3, 4].map(() => 9 * 1024 * 1024);
    const hashes: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const bytes = Buffer.concat([PNG, randomBytes(size - PNG.length)]);
      hashes.push(createHash('sha256').update(bytes).digest('hex'));
      form.append('evidence', new Blob([bytes], { type: 'image/png' }), `scan-${i}.png`);
    }
    const filed = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(filed.status).toBe(201);
    const ref = ((await filed.json()) as { reference: string }).reference;

    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Buffers live outside V8's heap: count them too (arrayBuffers), or held files would not show.
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = live();
    let peak = 0;
    let total = 0;
    let chunks = 0;
    const res = await api(admin, 'GET', `/api/v1/complaints/${ref}/bundle`);
    expect(res.status).toBe(200);
    // Read without keeping the body; hash it whole to compare with a second read.
    const whole = createHash('sha256');
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      whole.update(chunk);
      if (++chunks % 50 === 1) peak = Math.max(peak, live() - base);
    }
    console.log(`bundle: ${total} B streamed, live heap rise at most ${peak} B`);
    expect(total).toBeGreaterThan(45 * 1024 * 1024);
    // Holding the files (45 MB) would show here.
    expect(peak).toBeLessThan(16 * 1024 * 1024);

    // A client that goes away after the first chunk: the next export still streams whole.
    const abort = new AbortController();
    const cut = await api(admin, 'GET', `/api/v1/complaints/${ref}/bundle`, undefined, abort.signal);
    const reader = (cut.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    abort.abort();
    await reader.cancel().catch(() => undefined);

    // And the files in it are the uploaded ones (manifest against the stored SHA-256s).
    const again = await api(admin, 'GET', `/api/v1/complaints/${ref}/bundle`);
    const dir = mkdtempSync(join(work, 'large-'));
    await unzip(Buffer.from(await again.arrayBuffer()), dir);
    const manifest = readFileSync(join(dir, ref, 'manifest.sha256'), 'utf8');
    expect(
      hashes.map((h, i) => new RegExp(`^${h}  files/0[1-5]-evidence-scan-${i}\\.png$`, 'm').test(manifest)),
    ).toEqual(hashes.map(() => true));
  }, 120_000);
});
