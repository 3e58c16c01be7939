import { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import { isLocale } from '../complaints/legal-basis';
import { translate } from './i18n';
import { localeMiddleware } from './locale.middleware';
import { sitePath } from './site-path';

/**
 * Handlebars pages from templates/views with partials from templates/partials.
 * Double-stash only: every value is escaped. `t` translates a key in the page's locale.
 */
export function configureViews(app: NestExpressApplication): void {
  const engine = hbs.create();
  engine.registerPartials(join(PROJECT_ROOT, 'templates', 'partials'));
  registerViewHelpers(engine);
  app.use(localeMiddleware);
  app.engine('hbs', engine.__express.bind(engine));
  app.setBaseViewsDir(join(PROJECT_ROOT, 'templates', 'views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layout' });
}

/** The page helpers (also used by specs that render a partial): t, sitePath, eq, includes, formatDate, formatDay. */
export function registerViewHelpers(hb: {
  registerHelper(name: string, fn: (...args: never[]) => unknown): void;
}): void {
  hb.registerHelper(
    't',
    function (
      this: unknown,
      key: string,
      options: { data: { root: { locale?: string } }; hash: Record<string, unknown> },
    ) {
      const locale = options.data.root.locale;
      return translate(isLocale(locale) ? locale : 'zh-CN', key, options.hash);
    },
  );
  // The language switch: built from the normalised path only (never "//host"), see site-path.ts.
  hb.registerHelper('sitePath', (path: unknown) => sitePath(path));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('includes', (list: unknown, value: unknown) => Array.isArray(list) && list.includes(value));
  hb.registerHelper('formatDate', (d: unknown, options: { data: { root: { locale?: string } } }) => {
    if (!d) return '';
    const date = d instanceof Date ? d : new Date(d as string | number);
    return date.toLocaleString(options.data.root.locale === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: 'Asia/Shanghai',
      dateStyle: 'medium',
      timeStyle: 'short',
    });
  });
  // A date alone (the last day to appeal), in Beijing time like the mails.
  hb.registerHelper('formatDay', (d: unknown, options: { data: { root: { locale?: string } } }) => {
    if (!d) return '';
    const date = d instanceof Date ? d : new Date(d as string | number);
    return date.toLocaleDateString(options.data.root.locale === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: 'Asia/Shanghai',
      dateStyle: 'long',
    });
  });
}
