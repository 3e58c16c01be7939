import { ValidateBy, ValidationOptions } from 'class-validator';

/** What every "must be a link" check says (API `details[].message`; pages use `validation.url`). */
export const HTTP_URL_MESSAGE = 'must be an absolute http:// or https:// URL';

/**
 * The one check for a URL a user supplies (API and form): an absolute `http://` or `https://`
 * URL with a host (the decorator ignores surrounding blanks; inside, no control characters or spaces, no
 * `user:password@`). Rejects `javascript:`, `data:`, scheme-less (`evil.example/x`) and
 * protocol-relative (`//evil.example`) values, so a stored link can be rendered as an href.
 */
export function isHttpUrl(value: unknown, maxLength = 2000): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) return false;
  // The scheme must be written out, followed by an authority (WHATWG URL would "fix" http:evil or http:\\evil).
  if (!/^https?:\/\/[^/\\?#\s]/i.test(value)) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (!url.hostname || url.username || url.password) return false;
  return true;
}

/** class-validator decorator for isHttpUrl; its constraint name `isHttpUrl` maps to the rule `url`. */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHttpUrl',
      validator: {
        validate: (value: unknown) => isHttpUrl(typeof value === 'string' ? value.trim() : value),
        defaultMessage: () => `$property ${HTTP_URL_MESSAGE}`,
      },
    },
    options,
  );
}
