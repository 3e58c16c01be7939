import { withContact } from './staff-recipients.repository';

describe('withContact: the admins and the contact address, once each', () => {
  const admin = (email: string, locale: 'zh-CN' | 'en') => ({ email, displayName: email, locale });

  it('adds the contact address in the desk’s language (zh-CN)', () => {
    expect(withContact([admin('a@x.test', 'en')], 'desk@x.test')).toEqual([
      { email: 'a@x.test', locale: 'en' },
      { email: 'desk@x.test', locale: 'zh-CN' },
    ]);
  });

  it('sends one copy, in that admin’s language, when the contact address is an admin’s (any case)', () => {
    expect(withContact([admin('desk@x.test', 'en'), admin('b@x.test', 'zh-CN')], 'Desk@X.test')).toEqual([
      { email: 'desk@x.test', locale: 'en' },
      { email: 'b@x.test', locale: 'zh-CN' },
    ]);
  });

  it('with no admin, only the contact address', () => {
    expect(withContact([], 'desk@x.test')).toEqual([{ email: 'desk@x.test', locale: 'zh-CN' }]);
  });
});
