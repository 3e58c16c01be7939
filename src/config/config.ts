import { plainToInstance, Transform } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';
import { isAbsolute, join } from 'node:path';
import { PROJECT_ROOT } from './project-root';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * The environment, validated once at boot. Nothing else in the code base reads process.env:
 * a bad value stops the process with a message naming the variable.
 */
export class EnvSchema {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  MAIL_FROM: string = 'Notice Desk <notice-desk@localhost>';

  @IsOptional()
  @IsEmail({}, { message: 'CONTACT_EMAIL must be an email address' })
  CONTACT_EMAIL: string = '284598818@qq.com';

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  PUBLIC_BASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0)
  @Max(65535, { message: 'PORT must be at most 65535' })
  PORT: number = 3000;

  @IsOptional()
  @IsString()
  HOST: string = '0.0.0.0';

  @IsOptional()
  @IsString()
  UPLOAD_DIR: string = '.data/uploads';

  @IsOptional()
  @IsString()
  DATA_DIR: string = '.data';

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'INTAKE_RATE_LIMIT must be a whole number (0 turns it off)' })
  @Min(0)
  INTAKE_RATE_LIMIT: number = 10;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'MIGRATIONS_RUN must be true or false' })
  MIGRATIONS_RUN: string = 'true';

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'DEMO_DATA must be true or false' })
  DEMO_DATA: string = 'true';

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'MAIL_WORKER must be true or false' })
  MAIL_WORKER: string = 'true';

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'INTAKE_FAST_PATH must be true or false' })
  INTAKE_FAST_PATH: string = 'true';

  /** `npm start` runs this many server processes on the one port (node:cluster); needs DATABASE_URL and SMTP_URL. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'WEB_PROCESSES must be a whole number' })
  @Min(1, { message: 'WEB_PROCESSES must be at least 1' })
  @Max(16, { message: 'WEB_PROCESSES must be at most 16' })
  WEB_PROCESSES: number = 1;

  /** PostgreSQL connections per server process (node-postgres pool size). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DB_POOL_MAX must be a whole number' })
  @Min(2, { message: 'DB_POOL_MAX must be at least 2' })
  @Max(200, { message: 'DB_POOL_MAX must be at most 200' })
  DB_POOL_MAX: number = 20;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  MAIL_POLL_MS: number = 1000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAIL_MAX_ATTEMPTS: number = 8;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  MAIL_RETRY_BASE_MS: number = 30000;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'MAIL_LEASE_MS must be a whole number of milliseconds' })
  @Min(300, { message: 'MAIL_LEASE_MS must be at least 300' })
  @Max(600_000, {
    message: 'MAIL_LEASE_MS must be at most 600000 (ten minutes): a crashed worker holds its mail that long',
  })
  MAIL_LEASE_MS: number = 15000;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'MAIL_SEND_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(1000, { message: 'MAIL_SEND_TIMEOUT_MS must be at least 1000' })
  @Max(600_000, { message: 'MAIL_SEND_TIMEOUT_MS must be at most 600000' })
  MAIL_SEND_TIMEOUT_MS: number = 60000;

  /** Messages one worker sends at once, each over its own pooled SMTP connection. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'MAIL_CONCURRENCY must be a whole number' })
  @Min(1, { message: 'MAIL_CONCURRENCY must be at least 1' })
  @Max(16, { message: 'MAIL_CONCURRENCY must be at most 16' })
  MAIL_CONCURRENCY: number = 4;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'UPLOAD_SWEEP_MS must be a whole number of milliseconds (0 turns the sweeper off)' })
  @Min(0)
  UPLOAD_SWEEP_MS: number = 3_600_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'UPLOAD_ORPHAN_GRACE_MS must be a whole number of milliseconds' })
  @Min(1000, { message: 'UPLOAD_ORPHAN_GRACE_MS must be at least 1000' })
  UPLOAD_ORPHAN_GRACE_MS: number = 3_600_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SLA_FIRST_REVIEW_HOURS must be a whole number of hours' })
  @Min(1)
  SLA_FIRST_REVIEW_HOURS: number = 24;

  /** Replaced by SLA_INFO_ANSWER_WORKING_DAYS; still read (calendar hours) when set alone. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SLA_INFO_ANSWER_HOURS must be a whole number of hours' })
  @Min(1)
  SLA_INFO_ANSWER_HOURS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SLA_INFO_ANSWER_WORKING_DAYS must be a whole number of working days' })
  @Min(1)
  @Max(250)
  SLA_INFO_ANSWER_WORKING_DAYS?: number;

  /** Replaced by SLA_DECISION_WORKING_DAYS; still read (calendar hours) when set alone. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SLA_DECISION_HOURS must be a whole number of hours' })
  @Min(1)
  SLA_DECISION_HOURS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SLA_DECISION_WORKING_DAYS must be a whole number of working days' })
  @Min(1)
  @Max(250)
  SLA_DECISION_WORKING_DAYS?: number;

  /** Calendar days; NEEDS_INFO_WORKING_DAYS is the default way to count. Only one of the two may be set. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'NEEDS_INFO_DAYS must be a whole number of days' })
  @Min(1)
  NEEDS_INFO_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'NEEDS_INFO_WORKING_DAYS must be a whole number of working days' })
  @Min(1)
  @Max(250)
  NEEDS_INFO_WORKING_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SLA_DIGEST_MS must be a whole number of milliseconds (0 turns the digest off)' })
  @Min(0)
  SLA_DIGEST_MS: number = 3_600_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'INTEGRITY_CHECK_MS must be a whole number of milliseconds (0 turns the scheduled check off)' })
  @Min(0)
  INTEGRITY_CHECK_MS: number = 86_400_000;

  /** cn-copyright: working days (China) after a valid counter-notice before restoring; 0 = at the next timer run (条例 Art. 17). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RESTORE_CN_COPYRIGHT_WORKING_DAYS must be a whole number of working days' })
  @Min(0, { message: 'RESTORE_CN_COPYRIGHT_WORKING_DAYS must be at least 0' })
  @Max(10, { message: 'RESTORE_CN_COPYRIGHT_WORKING_DAYS must be at most 10: 条例 Art. 17 asks to restore promptly' })
  RESTORE_CN_COPYRIGHT_WORKING_DAYS: number = 0;

  /** cn-personal-rights: the reasonable period (民法典 Art. 1196), calendar days counted as 民法典 Art. 201–203. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RESTORE_PERSONAL_RIGHTS_DAYS must be a whole number of days' })
  @Min(1, { message: 'RESTORE_PERSONAL_RIGHTS_DAYS must be at least 1' })
  @Max(90, { message: 'RESTORE_PERSONAL_RIGHTS_DAYS must be at most 90' })
  RESTORE_PERSONAL_RIGHTS_DAYS: number = 15;

  /** us-dmca: business days after receipt of the counter-notice; 17 U.S.C. 512(g)(2)(C) allows 10 to 14. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RESTORE_DMCA_BUSINESS_DAYS must be a whole number of business days' })
  @Min(10, { message: 'RESTORE_DMCA_BUSINESS_DAYS must be 10 to 14 (17 U.S.C. 512(g)(2)(C))' })
  @Max(14, { message: 'RESTORE_DMCA_BUSINESS_DAYS must be 10 to 14 (17 U.S.C. 512(g)(2)(C))' })
  RESTORE_DMCA_BUSINESS_DAYS: number = 10;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'TIMER_WORKER must be true or false' })
  TIMER_WORKER: string = 'true';

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'TIMER_POLL_MS must be a whole number of milliseconds' })
  @Min(10)
  TIMER_POLL_MS: number = 5000;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'TIMER_MAX_ATTEMPTS must be a whole number' })
  @Min(1)
  TIMER_MAX_ATTEMPTS: number = 5;

  /** DSA Art. 20: a decision may be appealed for at least six months (calendar months). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'APPEAL_MONTHS must be a whole number of months' })
  @Min(6, { message: 'APPEAL_MONTHS must be at least 6 (DSA Art. 20(1))' })
  APPEAL_MONTHS: number = 6;

  /** A withdrawn case closes after this many days: a withdrawal cannot be appealed, so only a short record period remains. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'WITHDRAWN_CLOSE_DAYS must be a whole number of days' })
  @Min(1)
  WITHDRAWN_CLOSE_DAYS: number = 14;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IDEMPOTENCY_REPLAY_HOURS must be a whole number of hours' })
  @Min(0)
  IDEMPOTENCY_REPLAY_HOURS: number = 24;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'CMS_WEBHOOK_URL must be an http(s) URL' })
  CMS_WEBHOOK_URL?: string;

  @IsOptional()
  @IsString()
  CMS_WEBHOOK_SECRET?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SESSION_IDLE_MINUTES: number = 30;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SESSION_ABSOLUTE_HOURS: number = 12;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'LOGIN_RATE_LIMIT must be a whole number (0 turns it off)' })
  @Min(0)
  LOGIN_RATE_LIMIT: number = 10;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  AUDIT_SEAL_MS: number = 1000;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'LOCAL_SMTP_PORT must be a whole number' })
  @Min(0)
  LOCAL_SMTP_PORT: number = 2525;

  @IsOptional()
  @IsString()
  COOKIE_SECRET?: string;

  @IsOptional()
  @Matches(/^imaps?:\/\/.+/, { message: 'IMAP_URL must be an imap:// or imaps:// URL' })
  IMAP_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMAP_POLL_MS must be a whole number of milliseconds' })
  @Min(50)
  IMAP_POLL_MS: number = 30000;

  /** Filed messages are moved to this IMAP folder (created if missing); unset: mail stays where it is. */
  @IsOptional()
  @IsString()
  @Matches(/^[^\r\n*%]+$/, { message: 'IMAP_ARCHIVE_FOLDER must be a folder name (no line breaks, * or %)' })
  IMAP_ARCHIVE_FOLDER?: string;

  /** DKIM signing of outgoing mail: all three, or none. The key is PEM (\n escapes allowed). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+$/, { message: 'DKIM_DOMAIN must be a domain name' })
  DKIM_DOMAIN?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'DKIM_SELECTOR must be a DNS label' })
  DKIM_SELECTOR?: string;

  @IsOptional()
  @Matches(/-----BEGIN (RSA )?PRIVATE KEY-----/, { message: 'DKIM_PRIVATE_KEY must be a PEM private key' })
  DKIM_PRIVATE_KEY?: string;

  /** Raw inbound mail (.eml) and its attachments: evidence, never served. Default DATA_DIR/inbox. */
  @IsOptional()
  @IsString()
  INBOX_DIR?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'INBOX_ACK_LIMIT must be a whole number (acknowledgements per sender per hour)' })
  @Min(0)
  INBOX_ACK_LIMIT: number = 5;

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: string = 'log';
}

export interface AppConfig {
  databaseUrl?: string;
  smtpUrl?: string;
  mailFrom: string;
  contactEmail: string;
  publicBaseUrl: string;
  port: number;
  host: string;
  uploadDir: string;
  dataDir: string;
  intakeRateLimit: number;
  migrationsRun: boolean;
  demoData: boolean;
  mailWorker: boolean;
  /** Serve a plain JSON `POST /api/v1/complaints` below Nest and Express (src/complaints/intake-fast-path.ts). */
  intakeFastPath: boolean;
  /** WEB_PROCESSES: server processes main.ts starts on the one port. */
  webProcesses: number;
  /** DB_POOL_MAX: PostgreSQL connections per server process. */
  dbPoolMax: number;
  mailPollMs: number;
  mailMaxAttempts: number;
  mailRetryBaseMs: number;
  /** How long a claimed mail job stays claimed; renewed while its send is in flight. */
  mailLeaseMs: number;
  /** MAIL_CONCURRENCY: messages one worker sends at once. */
  mailConcurrency: number;
  /** How long the SMTP server may stay silent (connect, greeting, any reply) before a send counts as a transient failure. */
  mailSendTimeoutMs: number;
  /** How often files under UPLOAD_DIR that belong to no evidence row are removed (0: never). */
  uploadSweepMs: number;
  /** Only files older than this are swept, so uploads of a request still in flight are kept. */
  uploadOrphanGraceMs: number;
  auditSealMs: number;
  /** Case timers (case_timer): run them in this process, how often to look, attempts before giving up. */
  timerWorker: boolean;
  timerPollMs: number;
  timerMaxAttempts: number;
  /**
   * Service levels: the due time each edge sets (EdgeDue). First review in calendar hours (set at
   * intake); the others in working days of the case's calendar (src/complaints/sla.ts) unless
   * their older calendar-time variable is set instead.
   */
  sla: { firstReviewHours: number; decision: SlaPeriod; needsInfo: SlaPeriod; infoAnswer: SlaPeriod };
  /** How often overdue cases are looked for and mailed to admins, once per case per breach (0: never). */
  slaDigestMs: number;
  /** Period of the scheduled audit trail verification, mailed to admins and CONTACT_EMAIL once per period (0: never). */
  integrityCheckMs: number;
  /** Appeals (DSA Art. 20) and the windows after which decided or withdrawn cases close. */
  appeals: { months: number; withdrawnCloseDays: number };
  /** Restoration after a valid counter-notice, per legal basis (README "Counter-notices and restoration"). */
  restoration: { cnCopyrightWorkingDays: number; personalRightsDays: number; dmcaBusinessDays: number };
  cmsWebhookUrl?: string;
  cmsWebhookSecret?: string;
  /** How long a repeat with the same Idempotency-Key still answers the tracking link. */
  idempotencyReplayHours: number;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  loginRateLimit: number;
  localSmtpPort: number;
  cookieSecret?: string;
  logLevel: string;
  /** Outgoing mail is DKIM-signed when set (nodemailer signs). */
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** The contact mailbox over IMAP; without it the local SMTP server takes mail to CONTACT_EMAIL. */
  imapUrl?: string;
  /** How often the IMAP poller looks for new mail (it also wakes on the server's EXISTS while idle). */
  imapPollMs: number;
  /** Filed messages are moved to this folder on the IMAP server; unset: the poller never moves mail. */
  imapArchiveFolder?: string;
  /** Inbound mail to the contact address: raw .eml and attachments (never served). */
  inboxDir: string;
  /** Acknowledgements one sender gets per hour at most (loops and floods). */
  inboxAckLimit: number;
}

export type SlaUnit = 'working_days' | 'days' | 'hours';
/** A service-level period: n working days of the case's calendar, n calendar days, or n hours. */
export interface SlaPeriod {
  amount: number;
  unit: SlaUnit;
}

/** Defaults of the working-day service levels (about the calendar time they replace: 72 h, 14 days, 48 h). */
export const SLA_DEFAULT_WORKING_DAYS = { decision: 3, needsInfo: 10, infoAnswer: 2 } as const;

export class ConfigError extends Error {}

/**
 * One service level from its working-day variable or its older calendar-time one (both set is an
 * error: which one counts would be a guess).
 */
function slaPeriod(
  errors: string[],
  workingName: string,
  working: number | undefined,
  legacyName: string,
  legacy: number | undefined,
  legacyUnit: SlaUnit,
  fallback: number,
): SlaPeriod {
  if (working !== undefined && legacy !== undefined) {
    errors.push(
      `  ${legacyName}: set either ${workingName} (working days of the case's calendar) or ${legacyName} (calendar ${legacyUnit === 'hours' ? 'hours' : 'days'}), not both`,
    );
  }
  if (working !== undefined) return { amount: working, unit: 'working_days' };
  if (legacy !== undefined) return { amount: legacy, unit: legacyUnit };
  return { amount: fallback, unit: 'working_days' };
}

function resolvePath(p: string): string {
  return isAbsolute(p) ? p : join(PROJECT_ROOT, p);
}

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(new EnvSchema())) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  for (const key of [
    'DATABASE_URL',
    'SMTP_URL',
    'PUBLIC_BASE_URL',
    'COOKIE_SECRET',
    'CMS_WEBHOOK_URL',
    'CMS_WEBHOOK_SECRET',
    // Optional without a default (unset and set mean different things): not among the keys above.
    'SLA_DECISION_HOURS',
    'SLA_DECISION_WORKING_DAYS',
    'SLA_INFO_ANSWER_HOURS',
    'SLA_INFO_ANSWER_WORKING_DAYS',
    'NEEDS_INFO_DAYS',
    'NEEDS_INFO_WORKING_DAYS',
    'IMAP_URL',
    'DKIM_PRIVATE_KEY',
  ]) {
    if (env[key]) raw[key] = env[key];
  }
  const parsed = plainToInstance(EnvSchema, raw);
  const errors = validateSync(parsed, { whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const slaErrors: string[] = [];
  const d = SLA_DEFAULT_WORKING_DAYS;
  const sla = {
    firstReviewHours: parsed.SLA_FIRST_REVIEW_HOURS,
    decision: slaPeriod(
      slaErrors,
      'SLA_DECISION_WORKING_DAYS',
      parsed.SLA_DECISION_WORKING_DAYS,
      'SLA_DECISION_HOURS',
      parsed.SLA_DECISION_HOURS,
      'hours',
      d.decision,
    ),
    needsInfo: slaPeriod(
      slaErrors,
      'NEEDS_INFO_WORKING_DAYS',
      parsed.NEEDS_INFO_WORKING_DAYS,
      'NEEDS_INFO_DAYS',
      parsed.NEEDS_INFO_DAYS,
      'days',
      d.needsInfo,
    ),
    infoAnswer: slaPeriod(
      slaErrors,
      'SLA_INFO_ANSWER_WORKING_DAYS',
      parsed.SLA_INFO_ANSWER_WORKING_DAYS,
      'SLA_INFO_ANSWER_HOURS',
      parsed.SLA_INFO_ANSWER_HOURS,
      'hours',
      d.infoAnswer,
    ),
  };
  if (slaErrors.length) throw new ConfigError(`Invalid configuration:\n${slaErrors.join('\n')}`);
  const dkimSet = [parsed.DKIM_DOMAIN, parsed.DKIM_SELECTOR, parsed.DKIM_PRIVATE_KEY].filter(Boolean).length;
  if (dkimSet !== 0 && dkimSet !== 3)
    throw new ConfigError(
      'Invalid configuration:\n  DKIM: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together, or none',
    );
  const port = parsed.PORT;
  return {
    databaseUrl: parsed.DATABASE_URL,
    smtpUrl: parsed.SMTP_URL,
    mailFrom: parsed.MAIL_FROM,
    contactEmail: parsed.CONTACT_EMAIL,
    publicBaseUrl: (parsed.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    port,
    host: parsed.HOST,
    uploadDir: resolvePath(parsed.UPLOAD_DIR),
    dataDir: resolvePath(parsed.DATA_DIR),
    intakeRateLimit: parsed.INTAKE_RATE_LIMIT,
    migrationsRun: parsed.MIGRATIONS_RUN === 'true',
    demoData: parsed.DEMO_DATA === 'true',
    mailWorker: parsed.MAIL_WORKER === 'true',
    intakeFastPath: parsed.INTAKE_FAST_PATH === 'true',
    webProcesses: parsed.WEB_PROCESSES,
    dbPoolMax: parsed.DB_POOL_MAX,
    mailPollMs: parsed.MAIL_POLL_MS,
    mailMaxAttempts: parsed.MAIL_MAX_ATTEMPTS,
    mailRetryBaseMs: parsed.MAIL_RETRY_BASE_MS,
    mailLeaseMs: parsed.MAIL_LEASE_MS,
    mailConcurrency: parsed.MAIL_CONCURRENCY,
    mailSendTimeoutMs: parsed.MAIL_SEND_TIMEOUT_MS,
    uploadSweepMs: parsed.UPLOAD_SWEEP_MS,
    uploadOrphanGraceMs: parsed.UPLOAD_ORPHAN_GRACE_MS,
    auditSealMs: parsed.AUDIT_SEAL_MS,
    timerWorker: parsed.TIMER_WORKER === 'true',
    timerPollMs: parsed.TIMER_POLL_MS,
    timerMaxAttempts: parsed.TIMER_MAX_ATTEMPTS,
    sla,
    slaDigestMs: parsed.SLA_DIGEST_MS,
    integrityCheckMs: parsed.INTEGRITY_CHECK_MS,
    appeals: { months: parsed.APPEAL_MONTHS, withdrawnCloseDays: parsed.WITHDRAWN_CLOSE_DAYS },
    restoration: {
      cnCopyrightWorkingDays: parsed.RESTORE_CN_COPYRIGHT_WORKING_DAYS,
      personalRightsDays: parsed.RESTORE_PERSONAL_RIGHTS_DAYS,
      dmcaBusinessDays: parsed.RESTORE_DMCA_BUSINESS_DAYS,
    },
    cmsWebhookUrl: parsed.CMS_WEBHOOK_URL,
    cmsWebhookSecret: parsed.CMS_WEBHOOK_SECRET,
    idempotencyReplayHours: parsed.IDEMPOTENCY_REPLAY_HOURS,
    sessionIdleMinutes: parsed.SESSION_IDLE_MINUTES,
    sessionAbsoluteHours: parsed.SESSION_ABSOLUTE_HOURS,
    loginRateLimit: parsed.LOGIN_RATE_LIMIT,
    localSmtpPort: parsed.LOCAL_SMTP_PORT,
    cookieSecret: parsed.COOKIE_SECRET,
    logLevel: parsed.LOG_LEVEL,
    inboxDir: parsed.INBOX_DIR ? resolvePath(parsed.INBOX_DIR) : join(resolvePath(parsed.DATA_DIR), 'inbox'),
    inboxAckLimit: parsed.INBOX_ACK_LIMIT,
    imapUrl: parsed.IMAP_URL,
    imapPollMs: parsed.IMAP_POLL_MS,
    imapArchiveFolder: parsed.IMAP_ARCHIVE_FOLDER?.trim() || undefined,
    dkim:
      parsed.DKIM_DOMAIN && parsed.DKIM_SELECTOR && parsed.DKIM_PRIVATE_KEY
        ? {
            domainName: parsed.DKIM_DOMAIN,
            keySelector: parsed.DKIM_SELECTOR,
            privateKey: parsed.DKIM_PRIVATE_KEY.replace(/\\n/g, '\n'),
          }
        : undefined,
  };
}

/** For entry points: a bad configuration prints what is wrong and exits 1, with no stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
