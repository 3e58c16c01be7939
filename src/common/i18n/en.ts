import type { Messages } from '../i18n';

export const EN: Messages = {
  'site.name': 'Demo News',
  'lang.switch': '中文',
};
