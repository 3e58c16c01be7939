import iconv from 'iconv-lite';
import { authFailed, detectLocale, parseInbound, stripQuoted } from './inbound-parser';
import { checkAttachments } from './inbox-attachments';
import { sanitizeEmailHtml } from './inbox-html';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

function message(headers: string[], body: string): Buffer {
  return Buffer.from([...headers, '', body, ''].join('\r\n'), 'latin1');
}

describe('inbound mail parsing', () => {
  it('reads Big5 and quoted-printable bodies and encoded-word subjects', async () => {
    const big5 = await parseInbound(
      message(
        [
          'From: =?Big5?B?' + iconv.encode('陳大文', 'big5').toString('base64') + '?= <chan@example.hk>',
          'Subject: =?Big5?B?' + iconv.encode('投訴', 'big5').toString('base64') + '?=',
          'Message-ID: <b5@example.hk>',
          'Content-Type: text/plain; charset=big5',
          'Content-Transfer-Encoding: base64',
        ],
        iconv.encode('這篇文章侵犯了我的肖像權。', 'big5').toString('base64'),
      ),
    );
    expect(big5).toMatchObject({
      fromName: '陳大文',
      subject: '投訴',
      text: '這篇文章侵犯了我的肖像權。',
      locale: 'zh-CN',
    });
    const qp = await parseInbound(
      message(
        [
          'From: a@example.org',
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: quoted-printable',
        ],
        'The caf=C3=A9 photo is mine.',
      ),
    );
    expect(qp.text).toBe('The café photo is mine.');
    expect(qp.locale).toBe('en');
    expect(qp.messageId).toBeNull();
  });

  it('knows auto-replies, failed authentication and the thread ids', async () => {
    const p = await parseInbound(
      message(
        [
          'From: x@example.org',
          'Authentication-Results: mx.example; dkim=pass;',
          '  spf=softfail smtp.mailfrom=x@example.org',
          'Precedence: list',
          'In-Reply-To: <b@desk>',
          'References: <a@desk> <b@desk>',
        ],
        'hi',
      ),
    );
    expect(p.autoReply).toBe(true);
    expect(p.authFailed).toBe(true);
    expect(p.threadIds).toEqual(['<a@desk>', '<b@desk>']);
    expect(p.inReplyTo).toBe('<b@desk>');
    expect(authFailed('Authentication-Results: mx; dmarc=pass; spf=pass; dkim=pass\r\n\r\nbody dkim=fail')).toBe(false);
  });

  it('strips quoted history from replies, in English and Chinese clients', () => {
    expect(stripQuoted('Yes, 3 May.\n\nOn Mon, 1 May 2026, Desk wrote:\n> When?')).toBe('Yes, 3 May.');
    expect(stripQuoted('是5月3日。\n\n在 2026年5月1日，Notice Desk 写道：\n> 请补充')).toBe('是5月3日。');
    expect(stripQuoted('好的\n------------------ 原始邮件 ------------------\n发件人: desk')).toBe('好的');
    expect(detectLocale('Hello there')).toBe('en');
  });

  it('checks attachments by content and lists every refusal with its reason', () => {
    const { accepted, refused } = checkAttachments(
      [
        { name: 'a.pdf', declaredType: 'application/pdf', buffer: pdf },
        { name: 'fake.pdf', declaredType: 'application/pdf', buffer: Buffer.from('MZ not a pdf') },
        { name: 'empty.png', declaredType: 'image/png', buffer: Buffer.alloc(0) },
        {
          name: 'big.pdf',
          declaredType: 'application/pdf',
          buffer: Buffer.concat([pdf, Buffer.alloc(10 * 1024 * 1024)]),
        },
        ...[1, 2, 3, 4, 5].map((i) => ({ name: `p${i}.pdf`, declaredType: 'application/pdf', buffer: pdf })),
      ],
      ['winmail.dat'],
    );
    expect(accepted.map((a) => a.name)).toEqual(['a.pdf', 'p1.pdf', 'p2.pdf', 'p3.pdf', 'p4.pdf']);
    expect(refused).toEqual([
      { name: 'winmail.dat', reason: 'ignored' },
      { name: 'fake.pdf', reason: 'type' },
      { name: 'empty.png', reason: 'empty' },
      { name: 'big.pdf', reason: 'size' },
      { name: 'p5.pdf', reason: 'count' },
    ]);
  });

  it('sanitises HTML: no scripts, handlers or javascript: links; remote images blocked', () => {
    const { html, blockedImages } = sanitizeEmailHtml(
      '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">a</a><a href="https://ok.example/">b</a>' +
        '<img src="https://tracker.example/t.gif"><img src="cid:logo"><iframe src="https://x"></iframe><style>p{}</style></p>',
      { remoteImages: false },
    );
    expect(html).not.toMatch(/script|onclick|javascript:|iframe|<style|tracker\.example\/t\.gif|cid:/);
    expect(html).toContain('href="https://ok.example/"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(blockedImages).toBe(2);
  });
});
