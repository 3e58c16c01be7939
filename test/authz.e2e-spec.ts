import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { IS_PUBLIC, ROLES } from '../src/auth/auth.decorators';
import type { StaffRole } from '../src/auth/staff-user.entity';
import { startTestApp, TestApp } from './helpers/app';
import { createStaff, signIn, StaffSession } from './helpers/staff';

/**
 * Deny by default, checked over every route the app serves. The table comes from Express's router
 * (what is really mounted) joined with Nest's controller metadata (@Public, @Roles), so routes added
 * later are covered without editing this file, unless they are admin-only: ADMIN_ONLY is kept by
 * hand, and the test fails when it and the @Roles('admin') metadata disagree.
 */
const ADMIN_ONLY = [
  'POST /api/v1/complaints/:reference/warnings',
  'POST /staff/complaints/:reference/warnings',
  'GET /staff/users',
  'POST /staff/users',
  'POST /staff/users/:id/disable',
  'POST /staff/users/:id/enable',
  'POST /staff/users/:id/role',
  'POST /staff/users/:id/token/revoke',
  'POST /staff/users/:id/invitation',
  'GET /api/v1/staff/users',
  'POST /api/v1/staff/users',
  'POST /api/v1/staff/users/:id/disable',
  'POST /api/v1/staff/users/:id/enable',
  'POST /api/v1/staff/users/:id/role',
  'DELETE /api/v1/staff/users/:id/token',
  'POST /api/v1/staff/users/:id/invitation',
  'POST /staff/reply-templates',
  'POST /staff/reply-templates/:id',
  'POST /staff/reply-templates/:id/delete',
  'GET /staff/calendar',
  'POST /staff/calendar',
  'POST /staff/calendar/:region/:date/delete',
  'GET /api/v1/calendar/overrides',
  'POST /api/v1/calendar/overrides',
  'DELETE /api/v1/calendar/overrides/:region/:date',
  'PATCH /api/v1/articles/:slug',
  'GET /api/v1/statements',
  'GET /api/v1/statements/:reference',
  'POST /api/v1/notices/:reference/withhold',
  'DELETE /api/v1/notices/:reference/withhold',
  'GET /staff/notices/:reference',
  'POST /staff/notices/:reference/withhold',
  'POST /staff/notices/:reference/release',
  'GET /staff/cases',
  'GET /api/v1/cases',
  'GET /staff/audit',
  'GET /api/v1/audit',
  'GET /api/v1/audit/export',
  'GET /api/v1/integrity',
  'POST /api/v1/integrity/verify',
  'GET /staff/integrity',
  'POST /staff/integrity/verify',
  'GET /staff/complaints/:reference/bundle.zip',
  'GET /api/v1/complaints/:reference/bundle',
  'GET /staff/reports',
  'GET /staff/reports/transparency',
  'GET /staff/reports/transparency/:file',
  'GET /staff/reports/:file',
  'GET /api/v1/reports',
  'GET /api/v1/reports/transparency',
  'GET /api/v1/reports/transparency/:section',
  'GET /api/v1/reports/:section',
];

/** Mounted on Express directly, not by a Nest controller; the guard does not see them. */
const EXPRESS_LEVEL = [/^\/api\/docs(\/|-json|-yaml|$)/];

const GUARD_MESSAGES = [
  'Your role may not do this',
  'Missing or invalid CSRF token',
  'Sign in, or send a personal API token',
];

interface RouteMeta {
  key: string;
  method: string;
  path: string;
  isPublic: boolean;
  roles: StaffRole[] | undefined;
}

function normalise(...parts: string[]): string {
  const joined = parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

/** Every controller route Nest knows, with its guard metadata. */
function nestRoutes(t: TestApp): Map<string, RouteMeta> {
  const reflector = new Reflector();
  const out = new Map<string, RouteMeta>();
  for (const mod of t.app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const ctrl = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
      if (!ctrl) continue;
      const base = Reflect.getMetadata(PATH_METADATA, ctrl) as string | string[] | undefined;
      const bases = Array.isArray(base) ? base : [base ?? '/'];
      const proto = ctrl.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (sub === undefined || verb === undefined) continue;
        const method = RequestMethod[verb];
        for (const b of bases) {
          for (const s of Array.isArray(sub) ? sub : [sub]) {
            const path = normalise(b, s);
            const key = `${method} ${path}`;
            const isPublic = reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [handler, ctrl]) === true;
            const roles = reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES, [handler, ctrl]);
            out.set(key, { key, method, path, isPublic, roles });
          }
        }
      }
    }
  }
  return out;
}

/** Every route Express really serves (method and path). */
function expressRoutes(t: TestApp): string[] {
  const instance = t.app.getHttpAdapter().getInstance() as {
    router?: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
    _router?: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  const keys: string[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) {
      if (on) keys.push(`${m === '_all' ? 'ALL' : m.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...new Set(keys)];
}

const SAMPLE: Record<string, string> = { id: '00000000-0000-4000-8000-000000000000' };
const concrete = (path: string) =>
  path.replace(/\{?\*(\w+)\}?/g, 'x').replace(/:(\w+)/g, (_, name: string) => SAMPLE[name] ?? `zz-no-such-${name}`);

describe('authorisation over every route (nobody, moderator, admin)', () => {
  let t: TestApp;
  let table: RouteMeta[];
  let moderator: StaffSession;
  let admin: StaffSession;

  beforeAll(async () => {
    t = await startTestApp();
    const db = t.app.get(DataSource);
    const [m, a] = await Promise.all([createStaff(db, { role: 'moderator' }), createStaff(db, { role: 'admin' })]);
    [moderator, admin] = await Promise.all([
      signIn(t.baseUrl, m.email, m.password),
      signIn(t.baseUrl, a.email, a.password),
    ]);
    const nest = nestRoutes(t);
    table = expressRoutes(t)
      .filter((key) => !EXPRESS_LEVEL.some((re) => re.test(key.split(' ')[1])))
      .map((key) => {
        const meta = nest.get(key);
        if (!meta)
          throw new Error(`${key} is served by Express but is no Nest controller route: the guard cannot see it`);
        return meta;
      })
      // Sign-out last: it ends the caller's session.
      .sort((x, y) => Number(x.path === '/staff/logout') - Number(y.path === '/staff/logout'));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('enumerates the routes: every Nest route is served, the known ones are there, nothing is both public and role-bound', () => {
    const keys = new Set(table.map((r) => r.key));
    const nest = nestRoutes(t);
    for (const key of nest.keys()) expect(keys).toContain(key);
    for (const key of [
      'GET /',
      'GET /health',
      'POST /api/v1/complaints',
      'GET /staff/login',
      'POST /staff/logout',
      'GET /api/v1/session',
      'GET /mailbox',
    ]) {
      expect(keys).toContain(key);
    }
    expect(table.filter((r) => r.isPublic && r.roles?.length).map((r) => r.key)).toEqual([]);
    expect(table.filter((r) => !r.isPublic).length).toBeGreaterThan(10);
  });

  it('ADMIN_ONLY matches the @Roles metadata, both ways', () => {
    const adminOnly = table
      .filter((r) => !r.isPublic && r.roles?.length && !r.roles.includes('moderator'))
      .map((r) => r.key);
    const served = new Set(table.map((r) => r.key));
    expect(adminOnly.sort()).toEqual(ADMIN_ONLY.filter((k) => served.has(k)).sort());
    // The staff-accounts routes are always there; others' admin routes may come and go with their modules.
    for (const key of ADMIN_ONLY.filter((k) => k.includes('/staff/users'))) expect(served).toContain(key);
  });

  type Caller = 'nobody' | 'moderator' | 'admin';

  interface Answer {
    status: number;
    location: string | null;
    body: string;
    /** The response ended the session (sign-out), rather than asking to sign in. */
    signedOut: boolean;
    cacheControl: string | null;
  }

  async function call(route: RouteMeta, who: Caller): Promise<Answer> {
    const session = who === 'moderator' ? moderator : who === 'admin' ? admin : null;
    const method = route.method === 'ALL' ? 'GET' : route.method;
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    const res = await fetch(`${t.baseUrl}${concrete(route.path)}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrfToken } : {}),
        ...(unsafe ? { 'content-type': 'application/json' } : {}),
      },
      body: unsafe ? '{}' : undefined,
    });
    return {
      status: res.status,
      location: res.headers.get('location'),
      body: method === 'HEAD' ? '' : await res.text(),
      signedOut: res.headers.getSetCookie().some((c) => c.startsWith('nd_staff=;')),
      cacheControl: res.headers.get('cache-control'),
    };
  }

  const toLogin = (r: Answer) => r.status === 303 && (r.location ?? '').startsWith('/staff/login') && !r.signedOut;
  const deniedByGuard = (r: Answer) =>
    r.status === 401 || (r.status === 403 && GUARD_MESSAGES.some((m) => r.body.includes(m)));

  it('nobody: public routes answer without asking to sign in; every other route answers 401 (API) or 303 to the sign-in form', async () => {
    const wrong: string[] = [];
    for (const route of table) {
      const r = await call(route, 'nobody');
      const ok = route.isPublic
        ? !deniedByGuard(r) && !toLogin(r)
        : route.path.startsWith('/api/')
          ? r.status === 401 && r.body.includes('"UNAUTHENTICATED"')
          : toLogin(r);
      if (!ok) wrong.push(`${route.key} -> ${r.status} ${r.location ?? ''}`);
    }
    expect(wrong).toEqual([]);
  });

  it('moderator: admin-only routes answer 403 FORBIDDEN; the guard lets every other route through', async () => {
    const wrong: string[] = [];
    for (const route of table) {
      const r = await call(route, 'moderator');
      const ok = ADMIN_ONLY.includes(route.key)
        ? r.status === 403 && r.body.includes('Your role may not do this')
        : !deniedByGuard(r) && !toLogin(r);
      if (!ok) wrong.push(`${route.key} -> ${r.status} ${r.location ?? ''}`);
    }
    expect(wrong).toEqual([]);
  });

  it('every /api/v1 answer (200s, 401, 403, 404, 422 alike) carries Cache-Control: no-store, for every caller', async () => {
    const wrong: string[] = [];
    const routes = table.filter((r) => r.path.startsWith('/api/v1/'));
    expect(routes.map((r) => r.key)).toEqual(
      expect.arrayContaining(['GET /api/v1/session', 'GET /api/v1/track/:token']),
    );
    for (const route of routes) {
      for (const who of ['nobody', 'moderator', 'admin'] as const) {
        const r = await call(route, who);
        if (r.cacheControl !== 'no-store')
          wrong.push(`${who} ${route.key} -> ${r.status} ${r.cacheControl ?? '(none)'}`);
      }
    }
    for (const path of ['/api/v1/no-such-route', '/api/v1/track/nd-no-such-token']) {
      const res = await fetch(`${t.baseUrl}${path}`);
      if (res.headers.get('cache-control') !== 'no-store') wrong.push(`GET ${path} -> ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('admin: the guard lets every route through', async () => {
    const wrong: string[] = [];
    for (const route of table) {
      const r = await call(route, 'admin');
      if (deniedByGuard(r) || toLogin(r)) wrong.push(`${route.key} -> ${r.status} ${r.location ?? ''}`);
    }
    expect(wrong).toEqual([]);
  });
});
