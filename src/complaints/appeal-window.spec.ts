import { appealWindowEnd, mayAppeal } from './appeal-window';

describe('appealWindowEnd: calendar months, to the end of the Beijing day', () => {
  it('counts calendar months and ends with the day', () => {
    // 2026-03-10 10:00 Beijing -> 2026-09-10 23:59:59.999 Beijing.
    expect(appealWindowEnd(new Date('2026-03-10T02:00:00Z'), 6).toISOString()).toBe('2026-09-10T15:59:59.999Z');
  });
  it('clamps to the last day of a shorter month, leap years included', () => {
    expect(appealWindowEnd(new Date('2026-08-31T04:00:00Z'), 6).toISOString()).toBe('2027-02-28T15:59:59.999Z');
    expect(appealWindowEnd(new Date('2027-08-31T04:00:00Z'), 6).toISOString()).toBe('2028-02-29T15:59:59.999Z');
  });
  it('takes the date in Beijing: late evening UTC is already the next day', () => {
    // 2026-08-31T20:00Z is 1 September 04:00 in Beijing.
    expect(appealWindowEnd(new Date('2026-08-31T20:00:00Z'), 6).toISOString()).toBe('2027-03-01T15:59:59.999Z');
  });
});

describe('mayAppeal: who has something to appeal', () => {
  const item = (kind: string, remedy: string, owner = 'desk@news.example', standing = true) => ({
    kind,
    remedy,
    standing,
    owner_email: owner,
  });
  it('the complainant: rejected, restored, or partly granted', () => {
    expect(mayAppeal('complainant', 'rejected', 'cn-copyright', [], null)).toBe(true);
    expect(mayAppeal('complainant', 'restored', 'cn-copyright', [], null)).toBe(true);
    expect(mayAppeal('complainant', 'actioned', 'cn-copyright', [item('article', 'remove_article')], null)).toBe(false);
    expect(mayAppeal('complainant', 'actioned', 'cn-copyright', [item('article', 'add_correction')], null)).toBe(true);
    expect(mayAppeal('complainant', 'actioned', 'accuracy', [item('article', 'add_correction')], null)).toBe(false);
    expect(
      mayAppeal(
        'complainant',
        'actioned',
        'accuracy',
        [item('article', 'add_correction'), item('image', 'no_action')],
        null,
      ),
    ).toBe(true);
  });
  it('a content owner: only where a remedy stands on their own article', () => {
    const items = [item('image', 'remove_image', 'a@news.example'), item('passage', 'no_action', 'b@news.example')];
    expect(mayAppeal('content_owner', 'actioned', 'cn-copyright', items, 'A@news.example')).toBe(true);
    expect(mayAppeal('content_owner', 'actioned', 'cn-copyright', items, 'b@news.example')).toBe(false);
    expect(mayAppeal('content_owner', 'rejected', 'cn-copyright', items, 'a@news.example')).toBe(false);
    expect(
      mayAppeal(
        'content_owner',
        'actioned',
        'cn-copyright',
        [item('image', 'remove_image', 'a@news.example', false)],
        'a@news.example',
      ),
    ).toBe(false);
  });
});
