import { MailRenderer } from './mail-renderer';
import type { MailPayloads } from './mail-templates';

const EVIL = `<script>alert("x")</script>`;
const LAYOUT_TAGS = /<(?:!doctype|html|head|body|div|p|h2|ol|ul|li|a|strong|table|tr|td|th|span|br|blockquote)\b/i;
const ref = { reference: 'ND-2026-000123', legalBasis: 'us-dmca' };
const owner = { responseUrl: 'https://desk.example/respond/tok_owner', responseUntil: '2027-05-23T04:00:00Z' };
const tracking = { trackingUrl: 'https://desk.example/track/tok_abc' };

/** The counter-notice mails render in both languages, escape what parties typed and carry their own link only. */
describe('counter-notice and restoration mails', () => {
  const renderer = new MailRenderer();
  const cases: Array<[keyof MailPayloads, Record<string, unknown>, string, string]> = [
    [
      'owner-response-received',
      {
        ...ref,
        kind: 'counter_notice',
        caseUrl: 'https://desk.example/staff/complaints/ND-2026-000123',
        excerpt: `Ours ${EVIL}`,
        fileCount: 2,
      },
      `Ours ${EVIL}`,
      'https://desk.example/staff/complaints/ND-2026-000123',
    ],
    [
      'counter-notice-incomplete',
      { ...ref, ...owner, ownerName: `Desk ${EVIL}`, missing: [`The licence ${EVIL}`] },
      `The licence ${EVIL}`,
      owner.responseUrl,
    ],
    [
      'counter-notice-invalid',
      { ...ref, ...owner, ownerName: 'Desk', reason: `Another photo ${EVIL}` },
      `Another photo ${EVIL}`,
      owner.responseUrl,
    ],
    [
      'counter-notice-accepted',
      {
        ...ref,
        ...tracking,
        complainantName: 'Pat',
        lines: [{ label: 'Your name', value: `Sam ${EVIL}` }],
        items: ['Harbour at dawn (image) <https://news.example/a>'],
        fileCount: 1,
        restoreAt: '2026-12-08T05:00:00Z',
      },
      `Sam ${EVIL}`,
      tracking.trackingUrl,
    ],
    [
      'restoration-scheduled',
      { ...ref, ...owner, ownerName: `Desk ${EVIL}`, restoreAt: '2026-12-08T05:00:00Z' },
      `Desk ${EVIL}`,
      owner.responseUrl,
    ],
    [
      'litigation-hold',
      { ...ref, ...tracking, name: `Pat ${EVIL}`, audience: 'complainant' },
      `Pat ${EVIL}`,
      tracking.trackingUrl,
    ],
    [
      'litigation-hold',
      { ...ref, ...owner, name: `Desk ${EVIL}`, audience: 'owner' },
      `Desk ${EVIL}`,
      owner.responseUrl,
    ],
    [
      'litigation-proof-refused',
      { ...ref, ...tracking, complainantName: 'Pat', reason: `A draft ${EVIL}`, restoreAt: '2026-12-08T05:00:00Z' },
      `A draft ${EVIL}`,
      tracking.trackingUrl,
    ],
    [
      'litigation-ended',
      { ...ref, ...owner, name: 'Desk', audience: 'owner', outcome: 'closed', reason: `Ordered down ${EVIL}` },
      `Ordered down ${EVIL}`,
      owner.responseUrl,
    ],
    [
      'case-restored',
      { ...ref, ...tracking, name: 'Pat', audience: 'complainant', items: [`Harbour ${EVIL}`] },
      `Harbour ${EVIL}`,
      tracking.trackingUrl,
    ],
  ];
  for (const [template, payload, typed, link] of cases) {
    for (const locale of ['zh-CN', 'en'] as const) {
      it(`${template} (${typeof payload.audience === 'string' ? payload.audience : 'one party'}) renders in ${locale}, escaping what parties typed`, () => {
        const m = renderer.render(template, locale, payload);
        expect(m.subject.startsWith('[ND-2026-000123] ')).toBe(true);
        expect(m.html).not.toContain('<script>');
        expect(m.html).toContain('&lt;script&gt;');
        expect(m.html).toContain(`href="${link}"`);
        expect(m.text).toContain(typed);
        expect(m.text).toContain(link);
        expect(m.text.split(EVIL).join('')).not.toMatch(LAYOUT_TAGS);
        expect(m.text).not.toMatch(/\{\{|\[object Object\]|undefined|NaN/);
        // Only the recipient's own link: an owner's mail never carries a tracking link, nor the reverse.
        if (link === owner.responseUrl) expect(m.text).not.toContain('/track/');
        if (link === tracking.trackingUrl) expect(m.text).not.toContain('/respond/');
        if (locale === 'zh-CN') expect(m.text).toMatch(/[\u4e00-\u9fff]{4}/);
        else expect(m.text).not.toMatch(/[\u4e00-\u9fff]/);
      });
    }
  }
});
