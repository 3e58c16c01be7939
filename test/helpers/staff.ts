import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import type { StaffRole } from '../../src/auth/staff-user.entity';
import { StaffUsersService } from '../../src/auth/staff-users.service';
import { hashToken, newToken } from '../../src/common/tokens';
import type { Locale } from '../../src/complaints/legal-basis';

export interface TestStaff {
  id: string;
  email: string;
  password: string;
  role: StaffRole;
}

export interface StaffSession {
  /** The Cookie header for later requests: the session cookie and its CSRF cookie. */
  cookie: string;
  /** Send as `x-csrf-token` (or a `_csrf` form field) on POST/PUT/PATCH/DELETE. */
  csrfToken: string;
}

export const DEFAULT_TEST_PASSWORD = 'correct horse battery staple';
let seq = 0;

function service(db: DataSource): StaffUsersService {
  return new StaffUsersService(db, new AuditService());
}

/**
 * Creates an active staff account the way `npm run user:create` does (argon2id, audit event).
 * Every field is optional: a unique email, role 'moderator', DEFAULT_TEST_PASSWORD and locale zh-CN.
 */
export async function createStaff(
  db: DataSource,
  opts: { email?: string; role?: StaffRole; password?: string; displayName?: string; locale?: Locale } = {},
): Promise<TestStaff> {
  const email = (opts.email ?? `staff-${process.pid}-${Date.now()}-${seq++}@desk.example.test`).toLowerCase();
  const role = opts.role ?? 'moderator';
  const password = opts.password ?? DEFAULT_TEST_PASSWORD;
  const user = await service(db).create(
    { email, role, password, displayName: opts.displayName, locale: opts.locale },
    { actorType: 'system', actorId: null },
  );
  return { id: user.id, email, password, role };
}

/** A staff member who calls the API only: an active account with a personal token (stored hashed, as the app does). */
export interface TokenStaff {
  id: string;
  email: string;
  token: string;
}

let tokenSeq = 0;

/** Inserts a staff account with a personal API token; send `Authorization: Bearer <token>`. */
export async function tokenStaff(db: DataSource, role: StaffRole, name: string): Promise<TokenStaff> {
  const token = `nd_${newToken()}`;
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${process.pid}-${Date.now()}-${tokenSeq++}@desk.example.test`;
  const [row] = await db.query<Array<{ id: string }>>(
    `INSERT INTO staff_user (email, display_name, role, status, api_token_hash) VALUES ($1, $2, $3, 'active', $4) RETURNING id`,
    [email, name, role, hashToken(token)],
  );
  return { id: row.id, email, token };
}

/** A personal API token for the account (replaces its earlier one); send as `Authorization: Bearer <token>`. */
export async function apiToken(db: DataSource, email: string): Promise<string> {
  const users = service(db);
  const user = await users.findByEmail(email);
  if (!user) throw new Error(`no staff account ${email}`);
  return users.issueToken(user.id, { actorType: 'system', actorId: null });
}

/** `name=value` pairs of a response's Set-Cookie headers (cleared cookies come back as empty values). */
export function setCookies(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

export function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** GET /staff/login: the sign-in form's cookies and CSRF token. */
export async function loginForm(baseUrl: string): Promise<{ cookies: Record<string, string>; csrfToken: string }> {
  const res = await fetch(`${baseUrl}/staff/login`, { redirect: 'manual' });
  const html = await res.text();
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (res.status !== 200 || !csrfToken) throw new Error(`GET /staff/login answered ${res.status} without a form token`);
  return { cookies: setCookies(res), csrfToken };
}

/** POSTs the sign-in form; returns the raw response (303 on success). */
export async function postLogin(
  baseUrl: string,
  email: string,
  password: string,
  opts: { cookies?: Record<string, string>; next?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const form = await loginForm(baseUrl);
  const cookies = { ...(opts.cookies ?? {}), ...form.cookies };
  const body = new URLSearchParams({
    _csrf: form.csrfToken,
    email,
    password,
    ...(opts.next ? { next: opts.next } : {}),
  });
  return fetch(`${baseUrl}/staff/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieHeader(cookies),
      ...(opts.headers ?? {}),
    },
    body,
  });
}

/**
 * Signs in through the real form (CSRF, session regeneration) and fetches the session's CSRF
 * token from GET /api/v1/session. Use `cookie` as the Cookie header and `csrfToken` as
 * `x-csrf-token` on unsafe methods.
 */
export async function signIn(
  baseUrl: string,
  email: string,
  password: string = DEFAULT_TEST_PASSWORD,
): Promise<StaffSession> {
  const res = await postLogin(baseUrl, email, password);
  const session = setCookies(res).nd_staff;
  if (res.status !== 303 || !session) throw new Error(`sign-in as ${email} answered ${res.status}`);
  const who = await fetch(`${baseUrl}/api/v1/session`, { headers: { cookie: `nd_staff=${session}` } });
  if (who.status !== 200) throw new Error(`GET /api/v1/session answered ${who.status}`);
  const { csrfToken } = (await who.json()) as { csrfToken: string };
  const cookies = { nd_staff: session, ...setCookies(who) };
  return { cookie: cookieHeader(cookies), csrfToken };
}
