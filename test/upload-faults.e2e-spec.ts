import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DataSource } from 'typeorm';
import { UploadSweeper } from '../src/complaints/upload-sweeper';
import { startTestApp, TestApp } from './helpers/app';

/** A PNG (by its content) of about `kb` KB: more than the 64 KB disk below can hold. */
function pngOf(kb: number): Buffer {
  const img = new PNG({ width: 8, height: 8 });
  img.data.fill(120);
  return Buffer.concat([PNG.sync.write(img), Buffer.alloc(kb * 1024, 7)]);
}

function filesUnder(dir: string): Array<{ path: string; size: number }> {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((p) => statSync(p).isFile())
    .map((p) => ({ path: p, size: statSync(p).size }));
}

/**
 * A full upload disk: a 64 KB tmpfs when this process may mount one (root), else a read-only
 * directory (not read-only for root, hence the tmpfs). Null with the reason when neither works.
 */
function fullDisk(): { dir: string; release(): void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'nd-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
    return {
      dir,
      release: () => {
        execFileSync('umount', [dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      execFileSync('chmod', ['0500', dir]);
      return { dir, release: () => rmSync(dir, { recursive: true, force: true }) };
    }
    rmSync(dir, { recursive: true, force: true });
    return 'cannot mount a small tmpfs and root ignores read-only permissions';
  }
}

/** Outside CI a machine without tmpfs may skip, saying so; in CI (root, tmpfs) a skip is a failure. */
function skip(why: string): void {
  if (process.env.CI) throw new Error(`cannot inject the fault in CI: ${why}`);
  console.warn(`skipped: ${why}`);
}

describe('evidence uploads under faults (e2e)', () => {
  const disk = fullDisk();
  let t: TestApp | undefined;
  let db: DataSource;
  let articleUrl = '';

  beforeAll(async () => {
    if (typeof disk === 'string') return;
    t = await startTestApp({ UPLOAD_DIR: disk.dir, UPLOAD_ORPHAN_GRACE_MS: '60000' });
    db = t.app.get(DataSource);
    const res = await fetch(`${t.baseUrl}/api/v1/articles?limit=200`);
    articleUrl = ((await res.json()) as { items: Array<{ url: string }> }).items[0].url;
  });

  afterAll(async () => {
    await t?.close();
    if (typeof disk !== 'string') disk.release();
  });

  const complaint = (email: string) => ({
    legalBasis: 'cn-personal-rights',
    locale: 'en',
    complainant: { name: 'Jane Roe', email },
    items: [{ articleUrl, kind: 'article' }],
    explanation: 'This article harms my reputation.',
    declarations: { truthful: true },
  });

  async function complaintsBy(email: string): Promise<number> {
    const [{ n }] = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM complaint WHERE complainant_email = $1`,
      [email],
    );
    return n;
  }

  it('API: a full disk answers 503 UNAVAILABLE with Retry-After and leaves no file and no complaint', async () => {
    if (!t || typeof disk === 'string') return skip(typeof disk === 'string' ? disk : 'the app did not start');
    const email = `full-${Date.now()}@example.test`;
    const form = new FormData();
    form.set('complaint', JSON.stringify(complaint(email)));
    form.append('evidence', new Blob([new Uint8Array(pngOf(20))], { type: 'image/png' }), 'small.png');
    form.append('evidence', new Blob([new Uint8Array(pngOf(100))], { type: 'image/png' }), 'big.png');
    // Stored after the evidence (民法典 Art. 1195: required for cn-personal-rights).
    form.append('identity', new Blob([new Uint8Array(pngOf(20))], { type: 'image/png' }), 'id.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });

    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 503, code: 'UNAVAILABLE', details: { reason: 'ENOSPC' } });
    expect(body.message).toMatch(/cannot be stored/);
    // Lost: nothing half-written. The first file fitted and is removed too; no empty file stays.
    expect(filesUnder(disk.dir)).toEqual([]);
    expect(await complaintsBy(email)).toBe(0);
  });

  it('form: a full disk shows the reason in the page language, keeps what was typed, 503', async () => {
    if (!t || typeof disk === 'string') return skip(typeof disk === 'string' ? disk : 'the app did not start');
    const page = await fetch(`${t.baseUrl}/complaints/new`);
    const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const email = `full-form-${Date.now()}@example.test`;
    const form = new FormData();
    const fields: Record<string, string> = {
      _csrf: csrf,
      legalBasis: 'cn-personal-rights',
      'complainant[name]': '王五',
      'complainant[email]': email,
      'items[0][articleUrl]': articleUrl,
      'items[0][kind]': 'article',
      explanation: '这篇文章损害了我的名誉，请删除第二段。',
      'declarations[truthful]': 'on',
    };
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.append('evidence', new Blob([new Uint8Array(pngOf(100))], { type: 'image/png' }), 'big.png');
    form.append('identity', new Blob([new Uint8Array(pngOf(20))], { type: 'image/png' }), 'id.png');
    const res = await fetch(`${t.baseUrl}/complaints`, {
      method: 'POST',
      body: form,
      headers: { cookie, accept: 'text/html' },
    });
    const html = await res.text();
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(html).toContain('附件暂时无法保存');
    expect(html).toContain('这篇文章损害了我的名誉，请删除第二段。');
    expect(html).toContain(email);
    expect(filesUnder(disk.dir)).toEqual([]);
    expect(await complaintsBy(email)).toBe(0);
  });

  it('the sweeper removes old files no evidence row names, and keeps the rest', async () => {
    if (!t || typeof disk === 'string') return skip(typeof disk === 'string' ? disk : 'the app did not start');
    const email = `kept-${Date.now()}@example.test`;
    const form = new FormData();
    // One stored file (a personal-rights notice would add its identity document).
    form.set('complaint', JSON.stringify({ ...complaint(email), legalBasis: 'accuracy' }));
    form.append('evidence', new Blob([new Uint8Array(pngOf(1))], { type: 'image/png' }), 'kept.png');
    expect((await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form })).status).toBe(201);
    const [kept] = filesUnder(disk.dir);
    expect(kept.size).toBeGreaterThan(1024);

    mkdirSync(join(disk.dir, '2026-01'), { recursive: true });
    const orphan = join(disk.dir, '2026-01', 'orphan-from-a-crash');
    const young = join(disk.dir, '2026-01', 'upload-in-flight');
    writeFileSync(orphan, 'x');
    writeFileSync(young, 'y');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(orphan, hourAgo, hourAgo);
    utimesSync(kept.path, hourAgo, hourAgo);

    const removed = await t.app.get(UploadSweeper).sweep();
    expect(removed).toEqual(['2026-01/orphan-from-a-crash']);
    expect(
      filesUnder(disk.dir)
        .map((f) => f.path)
        .sort(),
    ).toEqual([kept.path, young].sort());
  });
});
