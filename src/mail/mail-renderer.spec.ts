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
    ['complaint-notice', notice],
  ];

  for (const [template, payload] of cases) {
    for (const locale of ['zh-CN', 'en'] as const) {
      it(`${template} renders in ${locale}`, () => {
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

  it('complaint-joined tells the address owner which earlier case took the filing in, in both languages', () => {
    const joined = { ...receipt, duplicateOfReference: 'ND-2026-000100' };
    const en = renderer.render('complaint-joined', 'en', joined);
    const zh = renderer.render('complaint-joined', 'zh-CN', joined);
    expect(en.subject).toBe('[ND-2026-000123] Your complaint has been joined to your earlier case ND-2026-000100');
    expect(zh.subject).toBe('[ND-2026-000123] 您的投诉已并入此前的案件 ND-2026-000100');
    expect(en.text).toContain('your earlier case ND-2026-000100');
    expect(zh.text).toContain('尚未作出决定的案件 ND-2026-000100');
    for (const m of [en, zh]) {
      expect(m.html).not.toContain('<script>');
      expect(m.html).toContain(`href="${receipt.trackingUrl}"`);
      for (const i of items) expect(m.text).toContain(i.articleTitle);
    }
  });

  it('complaint-renotice-barred quotes 条例 Art. 17, names the earlier case and the ways left (court, authority), in both languages', () => {
    const barred = { ...receipt, earlierReference: 'ND-2026-000100' };
    const en = renderer.render('complaint-renotice-barred', 'en', barred);
    const zh = renderer.render('complaint-renotice-barred', 'zh-CN', barred);
    expect(en.subject).toBe('[ND-2026-000123] A new notice about this work is barred (Regulations Art. 17)');
    expect(zh.subject).toBe('[ND-2026-000123] 依据《条例》第十七条，不得就同一作品再次通知删除');
    expect(en.text).toContain('your earlier case ND-2026-000100');
    expect(en.text).toContain('Article 17 of the Regulations on the Protection of the Right of Communication');
    expect(en.text).toContain(
      "bring a lawsuit before a people's court or complain to the copyright administration authority",
    );
    expect(zh.text).toContain('此前的案件 ND-2026-000100');
    expect(zh.text).toContain('《信息网络传播权保护条例》第十七条');
    expect(zh.text).toContain('权利人不得再通知网络服务提供者删除该作品');
    expect(zh.text).toContain('向人民法院提起诉讼，或向著作权行政管理部门投诉');
    for (const m of [en, zh]) {
      expect(m.html).not.toContain('<script>');
      expect(m.html).toContain('ND-2026-000100');
      for (const i of items) expect(m.text).toContain(i.articleTitle);
    }
  });

  it('a case marked duplicate by staff names the earlier case and how to say it is not the same', () => {
    const dup = {
      reference: 'ND-2026-000123',
      earlierReference: 'ND-2026-000100',
      complainantName: `Zhang "San" ${EVIL}`,
      legalBasis: 'cn-copyright',
      trackingUrl: 'https://desk.example/track/tok_abc',
    };
    const en = renderer.render('complaint-duplicate', 'en', dup);
    const zh = renderer.render('complaint-duplicate', 'zh-CN', dup);
    expect(en.subject).toBe('[ND-2026-000123] Your complaint joins your earlier case ND-2026-000100');
    expect(zh.subject).toBe('[ND-2026-000123] 您的投诉已并入此前的案件 ND-2026-000100');
    for (const m of [en, zh]) {
      expect(m.text).toContain('ND-2026-000100');
      expect(m.html).toContain('<strong>ND-2026-000100</strong>');
      expect(m.html).toContain(`href="${dup.trackingUrl}"`);
      expect(m.html).not.toContain('<script>');
    }
    expect(en.text).toContain('reply to this message');
    expect(zh.text).toContain('请直接回复本邮件');
  });

  it('complaint-closed-no-answer says the case closed without a decision, when it was asked and how to file again', () => {
    const closed = {
      reference: 'ND-2026-000123',
      complainantName: `Zhang "San" ${EVIL}`,
      legalBasis: 'accuracy',
      requestedAt: '2026-11-01T02:00:00Z',
      days: 14,
      workingDays: false,
      // As the worker renders it: the link minted at send time.
      trackingUrl: 'https://desk.example/track/tok_abc',
    };
    const en = renderer.render('complaint-closed-no-answer', 'en', closed);
    const zh = renderer.render('complaint-closed-no-answer', 'zh-CN', closed);
    expect(en.subject).toBe('[ND-2026-000123] Your complaint was closed: the information we asked for did not arrive');
    expect(zh.subject).toBe('[ND-2026-000123] 您的投诉因未补充材料已结案');
    expect(en.text).toContain('Nothing reached us within 14 days');
    expect(en.text).toContain('01/11/2026 10:00 (Beijing time, UTC+8)');
    expect(en.text).toContain('file a new complaint');
    expect(zh.text).toContain('14日内我们未收到您的补充');
    expect(zh.text).toContain('2026年11月01日 10:00（北京时间）');
    for (const m of [en, zh]) {
      expect(m.html).toContain(`href="${closed.trackingUrl}"`);
      expect(m.html).not.toContain('<script>');
      expect(m.html).toContain('Zhang &quot;San&quot;');
    }
    // Counted in working days (NEEDS_INFO_WORKING_DAYS, the default), the mail says so.
    const working = { ...closed, days: 10, workingDays: true };
    expect(renderer.render('complaint-closed-no-answer', 'en', working).text).toContain(
      'Nothing reached us within 10 working days',
    );
    expect(renderer.render('complaint-closed-no-answer', 'zh-CN', working).text).toContain(
      '10个工作日内我们未收到您的补充',
    );
    expect(renderer.render('complaint-closed-no-answer', 'zh-CN', working).html).toContain(
      '<strong>10个工作日</strong>内',
    );
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

  describe('decision templates', () => {
    const ref = { reference: 'ND-2026-000123' };
    const remedies = [
      { itemLabel: `论坛年会报道 ${EVIL}`, remedy: 'remove_article' },
      { itemLabel: 'Harbour at dawn (image)', remedy: 'remove_image' },
      { itemLabel: 'Budget "explained"', remedy: 'add_correction' },
    ];
    const needsInfo = {
      ...ref,
      complainantName: `Zhang "San" ${EVIL}`,
      legalBasis: 'cn-copyright',
      missing: [`Proof of ownership ${EVIL}`, 'Your postal address'],
      message: `Please send the original file. ${EVIL}`,
      answerUrl: 'https://desk.example/track/tok_abc',
      answerByDate: '2026-11-30T15:59:00Z',
    };
    const answered = {
      ...ref,
      moderatorName: `Mod "One" ${EVIL}`,
      caseUrl: 'https://desk.example/staff/complaints/ND-2026-000123',
      answerExcerpt: `Here is the RAW file. ${EVIL}`,
      fileCount: 2,
    };
    const rejected = {
      ...ref,
      complainantName: `Zhang "San" ${EVIL}`,
      legalBasis: 'eu-dsa',
      reason: `The photo is licensed to us. ${EVIL}`,
      trackingUrl: 'https://desk.example/track/tok_abc',
      appealUntil: '2027-05-23T04:00:00Z',
    };
    const actioned = { ...rejected, legalBasis: 'cn-copyright', remedies };
    const owner = {
      ...ref,
      ownerName: `Newsroom "Desk" ${EVIL}`,
      articleTitle: `Budget "explained" ${EVIL}`,
      articleUrl: 'javascript:alert(1)',
      legalBasis: 'us-dmca',
      reason: `The photograph is the complainant's. ${EVIL}`,
      remedies,
      complainantName: `Zhang "San" ${EVIL}`,
      responseUrl: 'https://desk.example/respond/tok_owner',
      responseUntil: '2027-05-23T04:00:00Z',
    };
    const breached = {
      ...ref,
      cases: [
        { reference: `ND-2026-000001 ${EVIL}`, state: 'received', dueAt: '2026-11-23T02:00:00Z', hoursLate: 30.2 },
        { reference: 'ND-2026-000002', state: 'needs_info', dueAt: '2026-11-24T02:00:00Z', hoursLate: 0.3 },
      ],
      queueUrl: 'https://desk.example/staff/queue',
    };
    const appealReceived = {
      ...ref,
      recipientName: `Newsroom "Desk" ${EVIL}`,
      legalBasis: 'eu-dsa',
      appellant: 'complainant',
      recipient: 'content_owner',
      articleTitle: `Budget "explained" ${EVIL}`,
      responseUrl: 'https://desk.example/respond/tok_owner',
      responseUntil: '2027-05-23T15:59:59.999Z',
    };
    const appealLines = [
      { itemLabel: `论坛年会报道 ${EVIL}`, remedy: 'no_action', standing: false },
      { itemLabel: 'Harbour at dawn (image)', remedy: 'remove_image', standing: true },
    ];
    const appealDecided = {
      ...ref,
      recipientName: `Zhang "San" ${EVIL}`,
      legalBasis: 'eu-dsa',
      appellant: 'complainant',
      recipient: 'complainant',
      outcome: 'actioned',
      reason: `The licence covered print only. ${EVIL}`,
      items: appealLines,
      appealUntil: null,
      trackingUrl: 'https://desk.example/track/tok_abc',
    };
    const withdrawn = {
      ...ref,
      complainantName: `Zhang "San" ${EVIL}`,
      legalBasis: 'cn-copyright',
      undone: [{ itemLabel: `论坛年会报道 ${EVIL}`, remedy: 'add_correction', standing: false }],
      trackingUrl: 'https://desk.example/track/tok_abc',
    };
    // [template, payload, the evil value as typed, a link that must be in both bodies]
    const all: Array<[string, Record<string, unknown>, string, string]> = [
      ['complaint-needs-info', needsInfo, `Proof of ownership ${EVIL}`, needsInfo.answerUrl],
      ['complaint-info-answered', answered, `Mod "One" ${EVIL}`, answered.caseUrl],
      ['complaint-rejected', rejected, `The photo is licensed to us. ${EVIL}`, rejected.trackingUrl],
      ['complaint-actioned', actioned, `论坛年会报道 ${EVIL}`, actioned.trackingUrl],
      ['owner-notice', owner, `Budget "explained" ${EVIL}`, owner.responseUrl],
      ['deadline-breached', breached, `ND-2026-000001 ${EVIL}`, breached.queueUrl],
      // Appeals and withdrawal: an owner's receipt, the complainant's outcome, the withdrawal confirmation.
      ['appeal-received', appealReceived, `Newsroom "Desk" ${EVIL}`, appealReceived.responseUrl],
      ['appeal-decided', appealDecided, `The licence covered print only. ${EVIL}`, appealDecided.trackingUrl],
      ['complaint-withdrawn', withdrawn, `论坛年会报道 ${EVIL}`, withdrawn.trackingUrl],
    ];
    for (const [template, payload, typed, link] of all) {
      for (const locale of ['zh-CN', 'en'] as const) {
        it(`${template} renders in ${locale}, escaping what parties typed`, () => {
          const m = renderer.render(template, locale, payload);
          expect(m.subject.startsWith('[ND-2026-000123] ')).toBe(true);
          expect(m.subject).not.toMatch(/[\r\n]/);
          expect(m.html).toContain(`<html lang="${locale}">`);
          expect(m.html).not.toContain('<script>');
          expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
          expect(m.html).not.toContain('javascript:');
          expect(m.html).toContain(`href="${link}"`);
          expect(m.text).toContain(typed);
          expect(m.text).toContain(link);
          expect(m.text.split(EVIL).join('')).not.toMatch(LAYOUT_TAGS);
          expect(m.text).not.toMatch(/\{\{|\[object Object\]|undefined|NaN/);
          // Chinese mail in Chinese, English mail without Chinese (but for quoted names).
          if (locale === 'zh-CN') expect(m.text).toMatch(/[\u4e00-\u9fff]{4}/);
          else expect(m.text.replace(/论坛年会报道|不侵权声明/g, '')).not.toMatch(/[\u4e00-\u9fff]/);
        });
      }
    }

    it('appeal-decided gives the outcome, what stands per item, the reasons, and whether the reader may appeal again', () => {
      const en = renderer.render('appeal-decided', 'en', appealDecided);
      expect(en.text).toContain('The complaint is upheld');
      expect(en.text).toContain('The image was taken down (in force)');
      expect(en.text).toContain('No measure in force');
      expect(en.text).toContain('concludes our internal review');
      expect(en.text).toContain('out-of-court dispute settlement body (Digital Services Act, Art. 21)');
      const owner = renderer.render('appeal-decided', 'zh-CN', {
        ...appealReceived,
        outcome: 'restored',
        reason: '报道依据公开的法院记录。',
        items: [{ itemLabel: 'Budget', remedy: 'remove_article', standing: false }],
        appealUntil: null,
      });
      expect(owner.text).toContain('投诉人就案件');
      expect(owner.text).toContain('内容予以恢复');
      expect(owner.text).toContain('无生效措施');
      const again = renderer.render('appeal-decided', 'zh-CN', {
        ...appealDecided,
        appealUntil: '2027-05-23T15:59:59.999Z',
      });
      expect(again.text).toContain('如不同意本次复核决定，您可在2027年5月23日（北京时间）前通过专属链接提出申诉');
    });

    it('owner-withdrawn tells the owner what was undone and what another case still holds, in both languages', () => {
      const payload = {
        ...ref,
        ownerName: `Newsroom "Desk" ${EVIL}`,
        articleTitle: 'Harbour at dawn',
        legalBasis: 'eu-dsa',
        items: [
          { itemLabel: 'Harbour at dawn (image)', remedy: 'remove_image', standing: true },
          { itemLabel: 'Harbour at dawn', remedy: 'add_correction', standing: false },
        ],
      };
      const en = renderer.render('owner-withdrawn', 'en', payload);
      expect(en.subject).toBe('[ND-2026-000123] The complaint about "Harbour at dawn" was withdrawn');
      expect(en.text).toContain('still in force through another case');
      expect(en.text).toContain('undone');
      expect(en.html).not.toContain('<script>');
      const zh = renderer.render('owner-withdrawn', 'zh-CN', payload);
      expect(zh.text).toContain('因另一案件仍然有效');
      expect(zh.text).toContain('已撤销');
    });

    it('needs-info lists exactly what is missing, the link and the date after which the case may close', () => {
      const zh = renderer.render('complaint-needs-info', 'zh-CN', needsInfo);
      const en = renderer.render('complaint-needs-info', 'en', { ...needsInfo, message: null });
      expect(zh.text).toContain(`1. Proof of ownership ${EVIL}\n2. Your postal address`);
      expect(zh.text).toContain('2026年11月30日 23:59（北京时间）');
      expect(zh.text).toContain('审核人员的说明');
      expect(en.text).toContain('Please answer by 30/11/2026 23:59 (Beijing time, UTC+8)');
      expect(en.text).toContain('the case may be closed');
      expect(en.text).not.toContain('A NOTE FROM THE MODERATOR');
      expect(en.subject).toBe('[ND-2026-000123] More information is needed for your complaint');
      expect(zh.subject).toBe('[ND-2026-000123] 请补充投诉材料');
    });

    it('info-answered tells the moderator how many files came with the answer', () => {
      expect(renderer.render('complaint-info-answered', 'en', answered).subject).toBe(
        '[ND-2026-000123] The complainant has answered (2 file(s) attached)',
      );
      expect(renderer.render('complaint-info-answered', 'zh-CN', { ...answered, fileCount: 0 }).subject).toBe(
        '[ND-2026-000123] 投诉人已补充材料',
      );
    });

    it('rejected gives the reasons and how to appeal: six months, free, reply or link, courts and authorities', () => {
      const zh = renderer.render('complaint-rejected', 'zh-CN', { ...rejected, legalBasis: 'cn-personal-rights' });
      const en = renderer.render('complaint-rejected', 'en', rejected);
      expect(en.subject).toBe('[ND-2026-000123] Decision on your complaint: not upheld');
      expect(en.text).toContain('until 23 May 2027 (Beijing time), six months from this decision');
      expect(en.text).toContain('Reply to this message');
      expect(en.text).toContain('free of charge');
      expect(en.text).toContain('a court or a competent authority');
      expect(en.text).toContain('out-of-court dispute settlement body'); // eu-dsa only
      expect(zh.text).toContain('可在2027年5月23日（北京时间）前（六个月内）');
      expect(zh.text).toContain('申诉免费');
      expect(zh.text).toContain('向人民法院起诉或向有关主管部门投诉');
      expect(zh.text).not.toContain('庭外争议解决');
    });

    it('actioned names each remedy in the reader’s language and the counter-notice rule of the basis', () => {
      const zh = renderer.render('complaint-actioned', 'zh-CN', actioned);
      expect(zh.text).toContain('1. 整篇文章已从网站撤下');
      expect(zh.text).toContain('2. 图片已撤下\n   Harbour at dawn (image)');
      expect(zh.text).toContain('3. 已在文中刊登更正说明');
      expect(zh.text).toContain('《信息网络传播权保护条例》第十六条、第十七条');
      const en = (basis: string) =>
        renderer.render('complaint-actioned', 'en', { ...actioned, legalBasis: basis }).text;
      expect(en('cn-copyright')).toContain('1. The whole article was taken down');
      expect(en('cn-copyright')).toContain('Articles 16 and 17 of the Regulations');
      expect(en('cn-personal-rights')).toContain('Article 1196 of the Civil Code');
      expect(en('us-dmca')).toContain('17 U.S.C. § 512(g)');
      expect(en('eu-dsa')).toContain('internal complaint-handling system (Art. 20)');
      expect(en('accuracy')).not.toMatch(/counter-notice|counter-notification/i);
      expect(en('accuracy')).toContain('until 23 May 2027');
      const html = renderer.render('complaint-actioned', 'en', {
        ...actioned,
        remedies: [{ itemLabel: 'x', remedy: 'no_action' }],
      }).html;
      expect(html).toContain('<strong>No action taken</strong>');
    });

    it('owner notice discloses the complainant only when given one, and says how to respond', () => {
      const disclosed = renderer.render('owner-notice', 'en', owner);
      expect(disclosed.subject).toBe(`[ND-2026-000123] Notice of action taken on "Budget "explained" ${EVIL}"`);
      expect(disclosed.text).toContain(`complainant's name: Zhang "San" ${EVIL}`);
      expect(disclosed.text).toContain('512(g)(3)');
      expect(disclosed.text).toContain('Please respond by 23/05/2027 12:00 (Beijing time, UTC+8)');
      const withheld = renderer.render('owner-notice', 'zh-CN', {
        ...owner,
        legalBasis: 'cn-copyright',
        complainantName: null,
      });
      expect(withheld.text).toContain('投诉人的身份信息依法不予披露');
      expect(withheld.text).not.toContain('Zhang');
      expect(withheld.text).toContain('不侵权声明');
      expect(withheld.text).toContain('直接修改稿件');
      expect(withheld.subject).toBe(`[ND-2026-000123] 处理通知：《Budget "explained" ${EVIL}》`);
      expect(renderer.render('owner-notice', 'en', { ...owner, complainantName: null }).text).toContain(
        "The complainant's identity is withheld",
      );
      expect(renderer.render('owner-notice', 'en', { ...owner, legalBasis: 'accuracy' }).text).toContain(
        'no counter-notice procedure',
      );
    });

    it('deadline report lists each case with its state, due time and hours late (rounded up)', () => {
      const zh = renderer.render('deadline-breached', 'zh-CN', breached);
      const en = renderer.render('deadline-breached', 'en', breached);
      expect(en.subject).toBe('[ND-2026-000123] Deadline report: 2 case(s) past their due time');
      expect(renderer.render('deadline-breached', 'zh-CN', { ...breached, reference: null }).subject).toBe(
        '超期提醒：2 件案件已超过处理期限',
      );
      expect(en.text).toContain(
        '2. ND-2026-000002 · Information needed · due 24/11/2026 10:00 (Beijing time, UTC+8) · 1 h late',
      );
      expect(en.text).toContain('Received · due 23/11/2026 10:00 (Beijing time, UTC+8) · 31 h late');
      expect(zh.text).toContain('ND-2026-000002 · 待补充材料 · 期限 2026年11月24日 10:00（北京时间） · 超期 1 小时');
      expect(zh.html).toContain('>待补充材料<');
    });
  });

  it('inbox-ack answers a mail in its thread: reference, when it is read, the prefilled form, escaped', () => {
    const ack = {
      reference: 'M-2026-000042',
      senderName: `Wang ${EVIL}`,
      subject: `Photo ${EVIL}`,
      readBy: '2026-11-24T11:43:00Z',
      formUrl: 'https://desk.example/complaints/new?article=forum&email=w%40example.org',
      articleCount: 1,
    };
    const zh = renderer.render('inbox-ack', 'zh-CN', ack);
    expect(zh.subject).toBe(`回复：Photo ${EVIL} [M-2026-000042]`);
    expect(zh.text).toContain('编号为 M-2026-000042');
    expect(zh.text).toContain(ack.formUrl);
    expect(zh.text).toContain('1 个文章链接');
    expect(zh.html).not.toContain('<script>');
    expect(zh.html).toContain('href="https://desk.example/complaints/new?article');
    const en = renderer.render('inbox-ack', 'en', { ...ack, senderName: null, subject: null, articleCount: 0 });
    expect(en.subject).toBe('Re: your message [M-2026-000042]');
    expect(en.text).toContain('Hello,');
    expect(en.text).not.toContain('article link');
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
