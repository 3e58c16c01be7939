import type { Messages } from '../i18n';

export const ZH_CN: Messages = {
  'site.name': '示例新闻网',
  'lang.switch': 'English',
};
