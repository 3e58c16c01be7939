import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';
import { createStaff, signIn } from './helpers/staff';
import type { StaffSession } from './helpers/staff';
import { fileComplaint, filerEmail } from './helpers/filing';

interface ApiAction {
  to: string;
  kind: string;
  needs: string[];
  optional: string[];
  fields: Array<{ name: string; need: string; type: string; required: boolean }>;
}

/**
 * The case page's forms and the API's `actions` are one list (CaseService.actionsFor, generated
 * from COMPLAINT_TRANSITIONS): for the same person on the same case, the page shows exactly the
 * actions the API lists, each form posting exactly the listed fields; a failed form comes back
 * open with its fields marked and what was typed kept.
 */
describe('case actions: the page and the API from one declaration', () => {
  let t: TestApp;
  let db: DataSource;
  let moderator: StaffSession;
  let admin: StaffSession;
  let forum: { url: string; images: Array<{ id: string }> };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    const [m, a] = await Promise.all([
      createStaff(db, { role: 'moderator', displayName: 'Case Mod' }),
      createStaff(db, { role: 'admin', displayName: 'Case Admin' }),
    ]);
    [moderator, admin] = await Promise.all([signIn(t.baseUrl, m.email), signIn(t.baseUrl, a.email)]);
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    forum = list.items.find((x) => x.slug === 'shanghai-sister-cities-forum') as typeof forum;
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = (who: StaffSession, path: string) => fetch(`${t.baseUrl}${path}`, { headers: { cookie: who.cookie } });
  const post = (who: StaffSession, ref: string, form: Record<string, string>) =>
    fetch(`${t.baseUrl}/staff/complaints/${ref}/transitions?lang=en`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: who.csrfToken, ...form }),
    });

  async function file(email = filerEmail('ari'), items?: unknown[]): Promise<string> {
    const filed = await fileComplaint(t.baseUrl, {
      complainant: { name: 'Ari Case', email },
      items: items ?? [
        { articleUrl: forum.url, kind: 'image', detail: forum.images[0].id },
        { articleUrl: forum.url, kind: 'passage', detail: 'A passage in question.' },
      ],
      explanation: 'My photograph and my words.',
    });
    return filed.reference;
  }

  /** The page's forms: action → its `to` and the names it posts besides the hidden ones. */
  function pageForms(html: string): Map<string, { to: string; names: string[] }> {
    const forms = new Map<string, { to: string; names: string[] }>();
    const aside = html.slice(html.indexOf('id="sec-actions"'), html.indexOf('id="sec-misuse"'));
    const starts = [...aside.matchAll(/data-form="([\w-]+)"/g)];
    starts.forEach((m, i) => {
      const block = aside.slice(m.index, starts[i + 1]?.index ?? aside.length);
      const names = [...block.matchAll(/ name="(\w+)/g)].map((n) => n[1]);
      const to = /name="to" value="(\w+)"/.exec(block)?.[1] ?? '';
      forms.set(m[1], {
        to,
        names: [...new Set(names.filter((n) => !['_csrf', 'version', 'to', 'kind'].includes(n)))].sort(),
      });
    });
    return forms;
  }

  async function expectSameList(who: StaffSession, ref: string, kinds: string[]): Promise<ApiAction[]> {
    const api = (await (await get(who, `/api/v1/complaints/${ref}`)).json()) as { actions: ApiAction[] };
    const page = await get(who, `/staff/complaints/${ref}`);
    expect(page.status).toBe(200);
    const forms = pageForms(await page.text());
    expect(api.actions.map((a) => a.kind).sort()).toEqual([...kinds].sort());
    expect([...forms.keys()].sort()).toEqual([...kinds].sort());
    for (const a of api.actions) {
      expect([a.kind, forms.get(a.kind)]).toEqual([
        a.kind,
        { to: a.to, names: [...new Set(a.fields.map((f) => f.name))].sort() },
      ]);
    }
    return api.actions;
  }

  it('lists the same actions and fields on the page and in the API at each step, for each person', async () => {
    // A second filing by the same person (about another article): it could be marked a duplicate of the first.
    const email = `ari-${Date.now()}@example.test`;
    const earlier = await file(email, [
      { articleUrl: forum.url.replace('shanghai-sister-cities-forum', 'news-09'), kind: 'article' },
    ]);
    const ref = await file(email);
    const received = await expectSameList(moderator, ref, ['claim', 'mark_duplicate']);
    expect(received.find((a) => a.kind === 'mark_duplicate')).toMatchObject({
      to: 'duplicate',
      needs: ['duplicateOf'],
      fields: [{ name: 'duplicateOf', need: 'duplicateOf', type: 'reference', required: true, candidates: [earlier] }],
    });

    expect((await post(moderator, ref, { kind: 'claim', to: 'in_review', version: '1' })).status).toBe(303);
    const inReview = await expectSameList(moderator, ref, ['release', 'request_info', 'escalate', 'uphold', 'reject']);
    const uphold = inReview.find((a) => a.kind === 'uphold') as ApiAction & {
      fields: Array<{ choices?: Array<{ item: number; remedies: string[] }> }>;
    };
    expect(uphold.fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['remedies', 'remedies', true],
      ['reason', 'text', true],
      // The statement of reasons' ground, prefilled (test/decision-ground.e2e-spec.ts).
      ['decisionGround', 'choice', false],
      ['category', 'choice', false],
      ['legalGround', 'text', false],
      ['groundExplanation', 'text', false],
    ]);
    expect(uphold.fields[0].choices?.map((c) => c.item)).toEqual([0, 1]);
    expect(uphold.fields[0].choices?.[0].remedies).not.toContain('remove_article');
    expect(uphold.fields[0].choices?.[1].remedies).not.toContain('remove_image');
    // An admin sees them too (admins pass the assignee guard); another moderator sees none.
    await expectSameList(admin, ref, ['release', 'request_info', 'escalate', 'uphold', 'reject']);

    const escalate = await post(moderator, ref, {
      kind: 'escalate',
      to: 'escalated',
      version: '2',
      'remedies[0][remedy]': 'remove_image',
      'remedies[1][remedy]': 'add_correction',
      'remedies[1][text]': 'Corrected.',
      reason: 'The photograph is theirs.',
    });
    expect(escalate.status).toBe(303);
    await expectSameList(moderator, ref, []);
    const approve = (await expectSameList(admin, ref, ['approve', 'send_back', 'reject'])).find(
      (a) => a.kind === 'approve',
    );
    expect(approve).toMatchObject({ needs: [], optional: ['remedies', 'reason', 'ground'] });
    expect(approve?.fields.every((f) => !f.required)).toBe(true);
  });

  it('a failed form comes back open, its field marked, what was typed kept; the other forms untouched', async () => {
    const ref = await file();
    expect((await post(moderator, ref, { kind: 'claim', to: 'in_review', version: '1' })).status).toBe(303);
    const res = await post(moderator, ref, {
      kind: 'request_info',
      to: 'needs_info',
      version: '2',
      missing: '   ',
      message: 'Please send <the original>.',
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Say what is missing');
    const form = html.slice(
      html.indexOf('data-form="request_info"'),
      html.indexOf('</details>', html.indexOf('data-form="request_info"')),
    );
    expect(form).toMatch(/^data-form="request_info" open>/);
    expect(form).toContain('class="field has-error" data-need="missing"');
    expect(form).toMatch(/id="request_info-missing" name="missing"[^>]*aria-invalid="true"/);
    expect(form).toContain('Please send &lt;the original&gt;.</textarea>');
    expect(html).not.toMatch(/data-form="uphold" open/);
    expect((html.match(/has-error/g) ?? []).length).toBe(1);
  });
});
