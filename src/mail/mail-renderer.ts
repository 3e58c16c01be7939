import { Injectable } from '@nestjs/common';
import hbs from 'hbs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import { MAIL_HELPERS, MailLocale } from './mail-helpers';

export const MAIL_TEMPLATES_DIR = join(PROJECT_ROOT, 'templates', 'mail');

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Compiled = (context: unknown, options?: { data?: Record<string, unknown> }) => string;

/** A template or locale that does not exist: retrying cannot help, so the job fails. */
export class MailTemplateError extends Error {}

/**
 * Renders templates/mail/<name>/<locale>.{subject,html,text}.hbs. HTML escapes every value
 * (templates use double-stash only); subject and text are plain text, compiled with noEscape
 * so a name like "O'Brien & Co" is not turned into entities. Compiled once per template.
 */
@Injectable()
export class MailRenderer {
  // A private Handlebars environment: the view engine's helpers and partials stay separate.
  private readonly hb = hbs.create().handlebars;
  private readonly cache = new Map<string, { subject: Compiled; html: Compiled; text: Compiled }>();

  constructor() {
    for (const [name, fn] of Object.entries(MAIL_HELPERS)) this.hb.registerHelper(name, fn);
    const partials = join(MAIL_TEMPLATES_DIR, 'partials');
    // Partials are compiled here, not by the runtime, so text-* partials keep noEscape.
    for (const file of existsSync(partials) ? readdirSync(partials) : []) {
      if (!file.endsWith('.hbs')) continue;
      const name = file.slice(0, -'.hbs'.length);
      const source = readFileSync(join(partials, file), 'utf8');
      this.hb.registerPartial(name, this.hb.compile(source, { noEscape: name.startsWith('text-'), strict: false }));
    }
  }

  render(template: string, locale: MailLocale, payload: Record<string, unknown>): RenderedMail {
    const t = this.compiled(template, locale);
    const options = { data: { locale } };
    const subject = t
      .subject(payload, options)
      .replace(/[\r\n]+/g, ' ')
      .replace(/\s{2,}/g, ' ')
      .trim();
    return { subject, html: t.html(payload, options), text: t.text(payload, options).trim() + '\n' };
  }

  private compiled(template: string, locale: MailLocale) {
    // The name comes from a database row; never let it walk out of templates/mail.
    if (!/^[a-z0-9][a-z0-9-]*$/.test(template) || (locale !== 'zh-CN' && locale !== 'en')) {
      throw new MailTemplateError(`invalid mail template ${JSON.stringify(template)} / ${JSON.stringify(locale)}`);
    }
    const key = `${template}/${locale}`;
    let entry = this.cache.get(key);
    if (!entry) {
      const read = (part: string) => {
        const file = join(MAIL_TEMPLATES_DIR, template, `${locale}.${part}.hbs`);
        if (!existsSync(file))
          throw new MailTemplateError(`mail template ${template}/${locale}.${part}.hbs is missing`);
        return readFileSync(file, 'utf8');
      };
      entry = {
        subject: this.hb.compile(read('subject'), { noEscape: true }),
        html: this.hb.compile(read('html')),
        text: this.hb.compile(read('text'), { noEscape: true }),
      };
      this.cache.set(key, entry);
    }
    return entry;
  }
}
