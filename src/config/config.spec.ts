import { ConfigError, loadConfig } from './config';

describe('configuration', () => {
  it('has working defaults for the zero-configuration first run', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      contactEmail: '284598818@qq.com',
      intakeRateLimit: 10,
      migrationsRun: true,
      demoData: true,
      mailLeaseMs: 15000,
      mailSendTimeoutMs: 60000,
      uploadSweepMs: 3_600_000,
      uploadOrphanGraceMs: 3_600_000,
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.smtpUrl).toBeUndefined();
    expect(c.publicBaseUrl).toBe('http://localhost:3000');
    expect(c.uploadDir).toMatch(/\.data\/uploads$/);
  });

  it('serves intake by the fast path in one process with 20 connections unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ intakeFastPath: true, webProcesses: 1, dbPoolMax: 20 });
    expect(loadConfig({ INTAKE_FAST_PATH: 'false', WEB_PROCESSES: '2', DB_POOL_MAX: '32' })).toMatchObject({
      intakeFastPath: false,
      webProcesses: 2,
      dbPoolMax: 32,
    });
    expect(() => loadConfig({ INTAKE_FAST_PATH: 'no' })).toThrow(/INTAKE_FAST_PATH must be true or false/);
    expect(() => loadConfig({ WEB_PROCESSES: '0' })).toThrow(/WEB_PROCESSES must be at least 1/);
    expect(() => loadConfig({ DB_POOL_MAX: '1' })).toThrow(/DB_POOL_MAX must be at least 2/);
  });

  it('reads and converts what is set', () => {
    const c = loadConfig({
      PORT: '8080',
      INTAKE_RATE_LIMIT: '0',
      MIGRATIONS_RUN: 'false',
      PUBLIC_BASE_URL: 'https://desk.example.com/',
      DATABASE_URL: 'postgres://u:p@db:5432/nd',
    });
    expect(c).toMatchObject({
      port: 8080,
      intakeRateLimit: 0,
      migrationsRun: false,
      publicBaseUrl: 'https://desk.example.com',
      databaseUrl: 'postgres://u:p@db:5432/nd',
    });
  });

  it('counts service levels in working days by default; the older calendar-time variables still work alone', () => {
    const c = loadConfig({});
    expect(c.sla).toEqual({
      firstReviewHours: 24,
      decision: { amount: 3, unit: 'working_days' },
      needsInfo: { amount: 10, unit: 'working_days' },
      infoAnswer: { amount: 2, unit: 'working_days' },
    });
    expect(c.slaDigestMs).toBe(3_600_000);
    expect(
      loadConfig({ SLA_DECISION_WORKING_DAYS: '5', NEEDS_INFO_WORKING_DAYS: '15', SLA_INFO_ANSWER_WORKING_DAYS: '1' })
        .sla,
    ).toMatchObject({
      decision: { amount: 5, unit: 'working_days' },
      needsInfo: { amount: 15, unit: 'working_days' },
      infoAnswer: { amount: 1, unit: 'working_days' },
    });
    expect(
      loadConfig({ SLA_DECISION_HOURS: '72', NEEDS_INFO_DAYS: '14', SLA_INFO_ANSWER_HOURS: '48' }).sla,
    ).toMatchObject({
      decision: { amount: 72, unit: 'hours' },
      needsInfo: { amount: 14, unit: 'days' },
      infoAnswer: { amount: 48, unit: 'hours' },
    });
    expect(loadConfig({ SLA_DIGEST_MS: '0' }).slaDigestMs).toBe(0);
  });

  it.each([
    ['SLA_DECISION_HOURS', { SLA_DECISION_HOURS: '72', SLA_DECISION_WORKING_DAYS: '3' }],
    ['NEEDS_INFO_DAYS', { NEEDS_INFO_DAYS: '14', NEEDS_INFO_WORKING_DAYS: '10' }],
    ['SLA_INFO_ANSWER_HOURS', { SLA_INFO_ANSWER_HOURS: '48', SLA_INFO_ANSWER_WORKING_DAYS: '2' }],
  ])('refuses both ways of counting one service level (%s and its working-day variable)', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}: set either \\w+ \\(working days`));
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['SMTP_URL', 'http://mail'],
    ['CONTACT_EMAIL', 'not-an-address'],
    ['PUBLIC_BASE_URL', 'ftp://x'],
    ['INTAKE_RATE_LIMIT', '-1'],
    ['MIGRATIONS_RUN', 'yes'],
    ['MAIL_LEASE_MS', '100'],
    ['MAIL_LEASE_MS', 'soon'],
    ['MAIL_SEND_TIMEOUT_MS', '10'],
    ['UPLOAD_SWEEP_MS', '-5'],
    ['UPLOAD_ORPHAN_GRACE_MS', '0'],
    ['SLA_DECISION_WORKING_DAYS', '0'],
    ['NEEDS_INFO_WORKING_DAYS', 'ten'],
    ['SLA_INFO_ANSWER_WORKING_DAYS', '1.5'],
    ['SLA_DIGEST_MS', '-1'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${name}:`);
  });
});
