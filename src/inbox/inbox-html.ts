import sanitizeHtml from 'sanitize-html';

/**
 * An email's HTML as staff may see it: no scripts, styles, forms or event handlers (sanitize-html
 * allow-list), links open elsewhere without a referrer, and remote images are replaced by a
 * placeholder naming their host until a moderator asks for them (a remote image tells the sender
 * that and when the message was read). Inline (cid:) images are dropped: they are attachments.
 */
export function sanitizeEmailHtml(
  html: string,
  opts: { remoteImages: boolean },
): { html: string; blockedImages: number } {
  let blocked = 0;
  const clean = sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center'],
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'target'],
      span: ['class', 'title'],
      img: ['src', 'alt', 'width', 'height'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
      }),
      img: (tagName, attribs) => {
        if (opts.remoteImages && /^https?:\/\//i.test(attribs.src ?? '')) return { tagName, attribs };
        blocked += 1;
        const host = hostOf(attribs.src ?? '');
        return {
          tagName: 'span',
          attribs: { class: 'inbox-img-blocked', title: host },
          text: `[image${host ? ': ' + host : ''}]`,
        };
      },
    },
  });
  return { html: clean, blockedImages: blocked };
}

function hostOf(src: string): string {
  try {
    return new URL(src).host;
  } catch {
    return '';
  }
}
