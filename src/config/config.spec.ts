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
