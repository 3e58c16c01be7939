import { DataSource } from 'typeorm';
import { STATEMENT_CATEGORIES } from '../src/complaints/decision-ground';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff, signIn, tokenStaff } from './helpers/staff';
import type { StaffSession, TokenStaff } from './helpers/staff';

interface ApiField {
  name: string;
  need: string;
  type: string;
  required: boolean;
  options?: string[];
  default?: string;
}
interface CaseJson {
  state: string;
  version: number;
  decisionGround: Record<string, string> | null;
  actions: Array<{ kind: string; optional: string[]; fields: ApiField[] }>;
}

/**
 * A decision records the structured ground and category of its statement of reasons (EU DSA
 * Transparency Database vocabulary): the uphold form offers them prefilled from the legal basis,
 * staff change the category, and the statement shows what was recorded; values outside the
 * vocabulary or texts naming a party are refused (422) and change nothing; decisions recorded
 * before (NULL) are read through their legal basis.
 */
describe('decision ground and category for statements of reasons (real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  let mod: TokenStaff;
  let admin: TokenStaff;
  let modSession: StaffSession;
  let forum: { url: string; images: Array<{ id: string }> };
  const tag = `${Date.now()}`.slice(-6);
  const NAME = `Quentin Ravensworth${tag}`;
  const EMAIL = `q.ravensworth${tag}@private-mail.example.test`;

  const api = (who: TokenStaff, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${who.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const view = async (who: TokenStaff, ref: string) =>
    (await (await api(who, 'GET', `/api/v1/complaints/${ref}`)).json()) as CaseJson;

  async function fileAndClaim(email = EMAIL): Promise<string> {
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: NAME, email, phone: `+44 20 7946 ${tag}` },
        items: [{ articleUrl: forum.url, kind: 'image', detail: forum.images[0].id }],
        explanation: `I am ${NAME}; this photograph defames me.`,
        declarations: { truthful: true, goodFaith: true },
      }),
    });
    expect(res.status).toBe(201);
    const ref = ((await res.json()) as { reference: string }).reference;
    const claimed = await api(mod, 'POST', `/api/v1/complaints/${ref}/transitions`, { to: 'in_review', version: 1 });
    expect(claimed.status).toBe(200);
    return ref;
  }

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    const m = await createStaff(db, { role: 'moderator', displayName: 'Ground Mod' });
    modSession = await signIn(t.baseUrl, m.email);
    // The moderator's API token is the same person: the case claimed over the API is theirs on the page too.
    mod = { id: m.id, email: m.email, token: await apiToken(db, m.email) };
    admin = await tokenStaff(db, 'admin', 'Ground Admin');
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    forum = list.items.find((x) => x.slug === 'shanghai-sister-cities-forum') as typeof forum;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('uphold offers the ground prefilled from the basis; the page posts a changed category; the statement shows it', async () => {
    const ref = await fileAndClaim();
    const c = await view(mod, ref);
    const uphold = c.actions.find((a) => a.kind === 'uphold');
    expect(uphold?.optional).toEqual(['ground']);
    const byName = new Map((uphold?.fields ?? []).map((f) => [f.name, f]));
    expect(byName.get('decisionGround')).toMatchObject({
      need: 'ground',
      type: 'choice',
      required: false,
      default: 'DECISION_GROUND_ILLEGAL_CONTENT',
      options: ['DECISION_GROUND_ILLEGAL_CONTENT', 'DECISION_GROUND_INCOMPATIBLE_CONTENT'],
    });
    expect(byName.get('category')).toMatchObject({
      type: 'choice',
      default: 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
      options: [...STATEMENT_CATEGORIES],
    });
    expect(byName.get('legalGround')?.default).toContain('Digital Services Act');
    expect(c.actions.find((a) => a.kind === 'reject')?.optional).toEqual(['ground']);

    // The page: the uphold form's selects start on the defaults (staff confirm or change them).
    const page = await (
      await fetch(`${t.baseUrl}/staff/complaints/${ref}?lang=en`, { headers: { cookie: modSession.cookie } })
    ).text();
    const form = page.slice(
      page.indexOf('data-form="uphold"'),
      page.indexOf('</details>', page.indexOf('data-form="uphold"')),
    );
    expect(form).toMatch(/<select[^>]*name="category"/);
    expect(form).toContain('<option value="STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE" selected>');
    expect(form).toContain('<option value="DECISION_GROUND_ILLEGAL_CONTENT" selected>');
    expect(form).toContain('Statement of reasons: ground and category');

    const explanation = 'The photograph presents a private person as guilty of a crime without basis.';
    const posted = await fetch(`${t.baseUrl}/staff/complaints/${ref}/transitions?lang=en`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: modSession.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: modSession.csrfToken,
        kind: 'uphold',
        to: 'actioned',
        version: String(c.version),
        'remedies[0][remedy]': 'remove_image',
        reason: 'Defamatory image.',
        decisionGround: 'DECISION_GROUND_ILLEGAL_CONTENT',
        category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
        legalGround: 'Defamation: Civil Code of the PRC, Art. 1024',
        groundExplanation: explanation,
      }),
    });
    expect(posted.status).toBe(303);
    const [row] = await db.query<Array<Record<string, string>>>(
      `SELECT state, decision_ground, decision_category, decision_legal_ground, decision_ground_explanation
         FROM complaint WHERE reference = $1`,
      [ref],
    );
    expect(row).toEqual({
      state: 'actioned',
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      decision_category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
      decision_legal_ground: 'Defamation: Civil Code of the PRC, Art. 1024',
      decision_ground_explanation: explanation,
    });

    const res = await api(admin, 'GET', `/api/v1/statements/${ref}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      puid: ref,
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
      illegal_content_legal_ground: 'Defamation: Civil Code of the PRC, Art. 1024',
      illegal_content_explanation: explanation,
      incompatible_content_ground: null,
      decision_visibility: ['DECISION_VISIBILITY_CONTENT_DISABLED'],
      content_type: ['CONTENT_TYPE_IMAGE'],
    });
    // No personal data: not the name, the email, the phone, nor the complainant's explanation.
    for (const part of [NAME, `Ravensworth${tag}`, EMAIL, 'private-mail.example.test', `7946 ${tag}`, 'defames me'])
      expect([part, text.includes(part)]).toEqual([part, false]);
    // The trail records the ground with the decision.
    const [ev] = await db.query<Array<{ payload: { statement?: Record<string, string> } }>>(
      `SELECT e.payload FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id
        WHERE c.reference = $1 AND e.action = 'complaint.transition' AND e.payload->>'to' = 'actioned'`,
      [ref],
    );
    expect(ev.payload.statement).toMatchObject({ category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH' });

    // A decision recorded before the ground was (NULL columns) is read through its legal basis.
    await db.query(
      `UPDATE complaint SET decision_ground = NULL, decision_category = NULL, decision_legal_ground = NULL,
              decision_ground_explanation = NULL WHERE reference = $1`,
      [ref],
    );
    const old = (await (await api(admin, 'GET', `/api/v1/statements/${ref}`)).json()) as Record<string, unknown>;
    expect(old).toMatchObject({
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      category: 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
      illegal_content_legal_ground: 'Notice of illegal content: EU Digital Services Act, Art. 16',
    });
  });

  it('prefills the default texts in the page language; a Chinese default posted back is stored and published in English', async () => {
    const ref = await fileAndClaim(`zh-${EMAIL}`);
    const c = await view(mod, ref);
    // The API offers what is stored: the English default.
    const offered = new Map((c.actions.find((a) => a.kind === 'uphold')?.fields ?? []).map((f) => [f.name, f.default]));
    expect(offered.get('legalGround')).toBe('Notice of illegal content: EU Digital Services Act, Art. 16');
    const textarea = (html: string, id: string) => {
      const m = new RegExp(`<textarea[^>]* id="${id}"[^>]*>([^<]*)</textarea>`).exec(html);
      return m?.[1];
    };
    const shown: Record<string, { ground?: string; explanation?: string }> = {};
    for (const lang of ['zh-CN', 'en'] as const) {
      const html = await (
        await fetch(`${t.baseUrl}/staff/complaints/${ref}?lang=${lang}`, { headers: { cookie: modSession.cookie } })
      ).text();
      shown[lang] = {
        ground: textarea(html, 'uphold-legalGround'),
        explanation: textarea(html, 'uphold-groundExplanation'),
      };
      // The reject form offers the same defaults.
      expect(textarea(html, 'reject-legalGround')).toBe(shown[lang].ground);
    }
    expect(shown).toEqual({
      'zh-CN': {
        ground: '违法内容通知：欧盟《数字服务法》第 16 条',
        explanation: '通知人说明了该内容违法的理由；经审核，通知成立。',
      },
      en: {
        ground: 'Notice of illegal content: EU Digital Services Act, Art. 16',
        explanation: 'The notifier gave reasons why the content is illegal; after review the notice was found valid.',
      },
    });

    // Posted unchanged from the Chinese page: stored, and published, as the English default.
    const posted = await fetch(`${t.baseUrl}/staff/complaints/${ref}/transitions?lang=zh-CN`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: modSession.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: modSession.csrfToken,
        kind: 'uphold',
        to: 'actioned',
        version: String(c.version),
        'remedies[0][remedy]': 'remove_image',
        reason: '图片侵权，予以删除。',
        decisionGround: 'DECISION_GROUND_ILLEGAL_CONTENT',
        category: 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
        legalGround: shown['zh-CN'].ground ?? '',
        groundExplanation: `${shown['zh-CN'].explanation ?? ''}\r\n`,
      }),
    });
    expect(posted.status).toBe(303);
    const [row] = await db.query<Array<Record<string, string>>>(
      `SELECT decision_legal_ground, decision_ground_explanation FROM complaint WHERE reference = $1`,
      [ref],
    );
    expect(row).toEqual({
      decision_legal_ground: shown.en.ground,
      decision_ground_explanation: shown.en.explanation,
    });
    const statement = (await (await api(admin, 'GET', `/api/v1/statements/${ref}`)).json()) as Record<string, unknown>;
    expect(statement).toMatchObject({
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      category: 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
      illegal_content_legal_ground: shown.en.ground,
      illegal_content_explanation: shown.en.explanation,
    });
  });

  it('refuses a value outside the vocabulary or a text naming a party (422), and nothing changes', async () => {
    // Another address: the same one on the same article while the first case is open would be a duplicate.
    const email = `second-${EMAIL}`;
    const ref = await fileAndClaim(email);
    const { version } = await view(mod, ref);
    const base = { to: 'actioned', version, reason: 'Upheld.', remedies: [{ item: 0, remedy: 'remove_image' }] };
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ category: 'STATEMENT_CATEGORY_DEFAMATION' }, 'category', 'invalid'],
      [{ decisionGround: 'DECISION_GROUND_ILLEGAL' }, 'decisionGround', 'invalid'],
      [{ groundExplanation: `The image shows ${NAME.toUpperCase()} at home.` }, 'groundExplanation', 'personalData'],
      [{ legalGround: `Complaint by ${email}` }, 'legalGround', 'personalData'],
    ];
    expect(cases).toHaveLength(4);
    for (const [extra, field, rule] of cases) {
      const res = await api(mod, 'POST', `/api/v1/complaints/${ref}/transitions`, { ...base, ...extra });
      const body = (await res.json()) as {
        statusCode: number;
        code: string;
        details: Array<{ field: string; rule: string }>;
      };
      expect([field, res.status, body.code]).toEqual([field, 422, 'VALIDATION']);
      expect(body.details.map((d) => [d.field, d.rule])).toContainEqual([field, rule]);
    }
    const [row] = await db.query<Array<{ state: string; decision_category: string | null }>>(
      `SELECT state, decision_category FROM complaint WHERE reference = $1`,
      [ref],
    );
    expect(row).toEqual({ state: 'in_review', decision_category: null });

    // Omitted over the API: the basis's default is recorded.
    const ok = await api(mod, 'POST', `/api/v1/complaints/${ref}/transitions`, base);
    expect(ok.status).toBe(200);
    const [after] = await db.query<Array<{ decision_ground: string; decision_category: string }>>(
      `SELECT decision_ground, decision_category FROM complaint WHERE reference = $1`,
      [ref],
    );
    expect(after).toEqual({
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      decision_category: 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
    });
  });
});
