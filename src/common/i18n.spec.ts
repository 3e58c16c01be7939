import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPLAINT_STATES } from '../complaints/complaint-state';
import { LEGAL_BASES } from '../complaints/legal-basis';
import { translate } from './i18n';
import { EN } from './i18n/en';
import { ZH_CN } from './i18n/zh-CN';

describe('i18n dictionaries', () => {
  it('have the same, non-empty key sets and no empty strings', () => {
    const zh = Object.keys(ZH_CN).sort();
    const en = Object.keys(EN).sort();
    expect(zh.length).toBeGreaterThan(100);
    expect(zh).toEqual(en);
    for (const [key, value] of [...Object.entries(ZH_CN), ...Object.entries(EN)]) {
      expect([key, value.trim().length > 0]).toEqual([key, true]);
    }
  });

  it('use the same {placeholders} in both languages', () => {
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(ZH_CN)) expect([key, vars(ZH_CN[key])]).toEqual([key, vars(EN[key])]);
  });

  it('cover every state, legal basis, item kind and validation rule the pages and controllers use', () => {
    const keys = [
      ...COMPLAINT_STATES.flatMap((s) => [`state.${s}.label`, `state.${s}.help`]),
      ...LEGAL_BASES.flatMap((b) => [`basis.${b}.label`, `basis.${b}.help`, `basis.${b}.needs`]),
      ...['article', 'image', 'passage'].map((k) => `item.kind.${k}`),
      ...['required', 'email', 'maxLength', 'url', 'unknownArticle', 'unknownImage', 'passageRequired', 'fileType']
        .concat(['fileSize', 'fileCount', 'declaration', 'authorisationRequired', 'itemsRequired', 'invalid', 'csrf'])
        .concat(['summary', 'maxItems'])
        .map((r) => `validation.${r}`),
      // A duplicate's timeline reads as complaint.received: it names no earlier case.
      ...['complaint.received', 'complaint.transition', 'mail.sent'].map((a) => `timeline.${a}`),
      ...['home', 'form', 'submitted', 'track'].map((p) => `page.${p}.title`),
      ...['400', '403', '404', '413', '429', '500'].map((s) => `error.${s}`),
    ];
    for (const key of keys) expect([key, key in ZH_CN]).toEqual([key, true]);
  });

  it('know every key the templates name literally', () => {
    const root = join(__dirname, '..', '..', 'templates');
    const files = ['views', 'partials'].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.hbs'))
        .map((f) => join(root, dir, f)),
    );
    const used = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\(?t ["']([\w.-]+)["']/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(50);
    for (const key of used) expect([key, key in ZH_CN]).toEqual([key, true]);
  });

  it('substitutes variables and builds template keys', () => {
    expect(translate('zh-CN', 'validation.summary', { n: 3 })).toBe('请修改以下 3 处');
    expect(translate('en', 'validation.summary', { n: 3 })).toBe('Please correct 3 fields');
    expect(translate('en', 'path.item', { i: 2, f: 'detail' })).toBe('items.2.detail');
    expect(translate('zh-CN', translate('zh-CN', 'path.stateLabel', { s: 'received' }))).toBe('已收到');
  });
});
