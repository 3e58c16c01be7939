import { MailRenderer, MailTemplateError } from './mail-renderer';

const EVIL = `<script>alert("x")</script>`;
const items = [
  {
    kind: 'passage',
    articleTitle: '论坛年会报道',
    articleUrl: 'https://news.example/articles/forum',
    detail: `第三段 ${EVIL}`,
  },
  { kind: 'image', articleTitle: 'Harbour at dawn', articleUrl: 'https://news.example/articles/harbour', detail: null },
  { kind: 'article', articleTitle: 'Budget "explained"', articleUrl: 'javascript:alert(1)', detail: null },
];
const receipt = {
  reference: 'ND-2026-000123',
  trackingUrl: 'https://desk.example/track/tok_abc',
  legalBasis: 'cn-copyright',
  complainantName: `Zhang "San" ${EVIL}`,
  receivedAt: '2026-11-23T11:43:00Z',
  items,
  duplicateOfReference: null,
};
const notice = {
  ...receipt,
  caseUrl: 'https://desk.example/staff/complaints/ND-2026-000123',
  complainantEmail: 'zhang@example.com',
  organisation: 'Example Media Ltd',
  actingFor: 'Li Si',
  explanationExcerpt: `They copied my photo. ${EVIL}`,
  evidenceCount: 3,
};
const LAYOUT_TAGS = /<(?:!doctype|html|head|body|div|p|h2|ol|li|a|strong|table|tr|td|th|span|br)\b/i;

describe('MailRenderer', () => {
  const renderer = new MailRenderer();
  const cases: Array<[string, Record<string, unknown>]> = [
    ['complaint-receipt', receipt],
    ['complaint-receipt', { ...receipt, duplicateOfReference: 'ND-2026-000100' }],
    ['complaint-notice', notice],
  ];

  for (const [template, payload] of cases) {
    for (const locale of ['zh-CN', 'en'] as const) {
      const variant = payload.duplicateOfReference ? ' (duplicate)' : '';
      it(`${template}${variant} renders in ${locale}`, () => {
        const m = renderer.render(template, locale, payload);
        expect(m.subject.startsWith('[ND-2026-000123] ')).toBe(true);
        expect(m.subject).not.toMatch(/[\r\n]/);
        // Every user-typed value is escaped in HTML, quotes included.
        expect(m.html).not.toContain('<script>');
        expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
        expect(m.html).toContain('Zhang &quot;San&quot;');
        expect(m.html).toContain(`<html lang="${locale}">`);
        expect(m.html).not.toContain('javascript:');
        // Text is plain: the user's words as typed, no markup from the layout.
        expect(m.text).toContain(`Zhang "San" ${EVIL}`);
        expect(m.text.replace(EVIL, '')).not.toMatch(LAYOUT_TAGS);
        expect(m.text).toContain('ND-2026-000123');
        for (const i of items) {
          expect(m.html).toContain(i.articleTitle.replace(/"/g, '&quot;'));
          expect(m.text).toContain(i.articleTitle);
        }
      });
    }
  }

  it('names the legal basis and item kinds in the reader’s language', () => {
    const zh = renderer.render('complaint-receipt', 'zh-CN', receipt);
    const en = renderer.render('complaint-receipt', 'en', { ...receipt, legalBasis: 'eu-dsa' });
    expect(zh.text).toContain('著作权（信息网络传播权）');
    expect(zh.text).toContain('[文中段落]');
    expect(zh.text).toContain('2026年11月23日 19:43（北京时间）');
    expect(en.text).toContain('EU Digital Services Act notice');
    expect(en.text).toContain('[Passage]');
    expect(en.subject).toBe('[ND-2026-000123] We have received your complaint');
    expect(zh.subject).toBe('[ND-2026-000123] 我们已收到您的投诉');
  });

  it('receipt carries the tracking link, the free-of-charge statement and the next steps', () => {
    const zh = renderer.render('complaint-receipt', 'zh-CN', receipt);
    const en = renderer.render('complaint-receipt', 'en', receipt);
    for (const m of [zh, en]) {
      expect(m.text).toContain(receipt.trackingUrl);
      expect(m.html).toContain(`href="${receipt.trackingUrl}"`);
      expect(m.text).not.toContain('ND-2026-000100');
    }
    expect(zh.text).toContain('免费');
    expect(en.text).toContain('free of charge');
    expect(en.text).toContain('keep it private');
  });

  it('duplicate receipt points to the open case', () => {
    const dup = { ...receipt, duplicateOfReference: 'ND-2026-000100' };
    expect(renderer.render('complaint-receipt', 'en', dup).text).toContain('open case ND-2026-000100');
    expect(renderer.render('complaint-receipt', 'zh-CN', dup).text).toContain('仍在处理中的案件 ND-2026-000100');
  });

  it('notice summarises the case for the desk with a link to it', () => {
    const zh = renderer.render('complaint-notice', 'zh-CN', notice);
    expect(zh.subject).toBe('[ND-2026-000123] 新投诉：著作权（信息网络传播权） ·《论坛年会报道》等 3 项内容');
    expect(zh.text).toContain('zhang@example.com');
    expect(zh.text).toContain('所属机构：Example Media Ltd');
    expect(zh.text).toContain('证据材料：3 份');
    expect(zh.html).toContain(`href="${notice.caseUrl}"`);
    const en = renderer.render('complaint-notice', 'en', {
      ...notice,
      organisation: null,
      actingFor: null,
      items: [items[1]],
    });
    expect(en.subject).toBe('[ND-2026-000123] New complaint: Copyright (China) · "Harbour at dawn"');
    expect(en.text).not.toContain('Organisation:');
    expect(en.text).not.toContain('Acting for:');
  });

  it('strips line breaks from the subject so no header can be injected', () => {
    const m = renderer.render('complaint-receipt', 'en', { ...receipt, reference: 'ND-1\r\nBcc: x@evil.example' });
    expect(m.subject).toBe('[ND-1 Bcc: x@evil.example] We have received your complaint');
  });

  it('refuses unknown templates and path tricks', () => {
    expect(() => renderer.render('no-such-template', 'en', {})).toThrow(MailTemplateError);
    expect(() => renderer.render('../views/layout', 'en', {})).toThrow(MailTemplateError);
    expect(() => renderer.render('complaint-receipt', 'fr' as 'en', receipt)).toThrow(MailTemplateError);
  });
});
