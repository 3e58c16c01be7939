/** What to do after a send attempt failed. */
export type FailureKind = 'retry' | 'permanent';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ECONNRESET',
  'ESOCKET',
  'EDNS',
  'ECONNECTION',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

// Errors nodemailer raises before anything reached the server, about the message itself:
// sending the same message again would fail the same way.
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EFILEACCESS', 'EURLACCESS', 'EMAXLIMIT']);

interface SmtpishError {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/**
 * 4xx replies and network trouble are transient (RFC 5321: the sender should retry);
 * a 5xx reply means the server refuses this message and retrying would only repeat it.
 * An error without a reply code is a conversation that broke off (nodemailer's "Unexpected
 * socket close" after DATA has no code at all): the server never said no, so it is retried,
 * unless its code says the message itself cannot be sent.
 */
export function classifyFailure(err: unknown): FailureKind {
  const e = (err ?? {}) as SmtpishError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (code !== undefined) return code >= 400 && code < 500 ? 'retry' : 'permanent';
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return 'retry';
  if (typeof e.code === 'string' && MESSAGE_CODES.has(e.code)) return 'permanent';
  return 'retry';
}

/** Exponential backoff capped at an hour, with up to 10% jitter so retries do not stampede. */
export function retryDelayMs(attempts: number, baseMs: number, random: () => number = Math.random): number {
  const exp = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 3_600_000);
  return Math.round(exp + exp * 0.1 * random());
}

/** A one-line reason for last_error and logs, with any credentials in URLs blanked out. */
export function describeFailure(err: unknown): string {
  const e = (err ?? {}) as SmtpishError;
  const parts: string[] = [];
  if (typeof e.code === 'string') parts.push(e.code);
  // An SMTP reply already starts with its code; otherwise name the code explicitly.
  if (typeof e.response === 'string' && e.response) parts.push(e.response);
  else {
    if (typeof e.responseCode === 'number') parts.push(String(e.responseCode));
    parts.push(String(e.message ?? err));
  }
  return redactSecrets(parts.join(' ')).replace(/\s+/g, ' ').slice(0, 500);
}

export function redactSecrets(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@\s/]*@/gi, '$1***@');
}

/** For logs and the audit trail: enough to tell recipients apart, not the address itself. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
