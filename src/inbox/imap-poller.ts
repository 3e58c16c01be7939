import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ImapFlow } from 'imapflow';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { StorageUnavailableError } from '../common/domain-error';
import { PollLoop } from '../common/poll-loop';
import { APP_CONFIG } from '../config/config';
import { isDatabaseUnavailable } from '../database/db-errors';
import type { AppConfig } from '../config/config';
import { InboxService } from './inbox.service';

export interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
  /** The state row's key: server, account and folder (no secret). */
  key: string;
}

/** imap(s)://user:password@host[:port]/FOLDER (user and password URL-encoded; FOLDER defaults to INBOX). */
export function parseImapUrl(url: string): ImapTarget {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  const host = u.hostname;
  const port = u.port ? Number(u.port) : secure ? 993 : 143;
  const user = decodeURIComponent(u.username);
  const mailbox = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX';
  return {
    host,
    port,
    secure,
    user,
    pass: decodeURIComponent(u.password),
    mailbox,
    key: `${user}@${host}:${port}/${mailbox}`,
  };
}

/**
 * Reads the contact mailbox over IMAP (IMAP_URL) and files each new message through
 * InboxService.receive, the same path as zero-config mode. It never deletes, moves or flags
 * mail. Its place (UIDVALIDITY, last UID) is a row in inbox_imap_state that it holds with
 * FOR UPDATE SKIP LOCKED while it reads a batch, so instances take turns; a crash before the row
 * commits reads the batch again and receive() files each message once (Message-ID, raw hash).
 */
@Injectable()
export class ImapPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ImapPoller');
  readonly batchSize = 50;
  private readonly loop: PollLoop;
  private readonly target: ImapTarget | null;

  constructor(
    private readonly db: DataSource,
    private readonly inbox: InboxService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.target = config.imapUrl ? parseImapUrl(config.imapUrl) : null;
    this.loop = new PollLoop({
      logger: this.logger,
      intervalMs: config.imapPollMs,
      batchSize: () => this.batchSize,
      runOnce: () => this.runOnce(),
    });
  }

  onApplicationBootstrap(): void {
    if (!this.target) return;
    this.logger.log(`reading ${this.target.key} every ${this.config.imapPollMs} ms, and at once on new mail (IDLE)`);
    this.loop.start();
    this.watch();
  }

  async onModuleDestroy(): Promise<void> {
    this.ending = true;
    if (this.retryWatch) clearTimeout(this.retryWatch);
    await this.watcher?.logout().catch(() => undefined);
    await this.loop.stop();
  }

  private watcher?: ImapFlow;
  private retryWatch?: NodeJS.Timeout;
  private ending = false;

  /**
   * One connection that stays in the folder: imapflow IDLEs on it where the server supports IDLE
   * (else it polls with NOOP), and each EXISTS (new mail) runs the poller at once. Reading and
   * filing still happen in runOnce; this only wakes it. A dropped connection is reopened.
   */
  private watch(): void {
    const target = this.target;
    if (!target || this.ending) return;
    const client = new ImapFlow({
      host: target.host,
      port: target.port,
      secure: target.secure,
      auth: { user: target.user, pass: target.pass },
      logger: false,
      maxIdleTime: 5 * 60_000,
      // This connection does nothing but wait: IDLE at once.
      autoIdleDelay: 500,
    });
    client.on('exists', () => this.loop.kick());
    client.on('error', (err: Error) => this.logger.warn(`IDLE connection: ${err.message}`));
    client.on('close', () => {
      if (this.watcher === client) this.watcher = undefined;
      if (!this.ending) this.retryWatch = setTimeout(() => this.watch(), 5000);
    });
    this.watcher = client;
    client
      .connect()
      .then(() => client.mailboxOpen(target.mailbox, { readOnly: true }))
      .catch((err: Error) => {
        this.logger.warn(`cannot watch ${target.key}: ${err.message}; polling every ${this.config.imapPollMs} ms`);
        client.close();
      });
  }

  /** Reads until nothing new is left (tests and scripts). */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  /**
   * Files one message. The database or the disk being away stops the batch (it is read again
   * next time); any other failure is this message's own (a parser bug, say): it is recorded as an
   * audit event with its UID and hash and passed over, so one message cannot block the mailbox.
   * It stays on the server, since the poller never deletes mail.
   */
  private async receiveOrRecord(target: ImapTarget, uid: number, source: Buffer): Promise<void> {
    try {
      await this.inbox.receive(source, 'imap');
    } catch (err) {
      if (isDatabaseUnavailable(err) || err instanceof StorageUnavailableError) throw err;
      const error = err instanceof Error ? err.message : String(err);
      this.logger.error(`${target.key} UID ${uid} could not be filed and is passed over: ${error}`);
      await this.db.transaction((tx) =>
        this.audit.append(tx, {
          actorType: 'system',
          action: 'inbox.unreadable',
          subjectType: 'imap_mailbox',
          subjectId: target.key,
          payload: { uid, sha256: createHash('sha256').update(source).digest('hex'), error: error.slice(0, 500) },
        }),
      );
    }
  }

  /** One batch: claim the mailbox's row, read up to batchSize new messages, file each, move the mark. */
  async runOnce(): Promise<number> {
    const target = this.target;
    if (!target || this.loop.stopped) return 0;
    const runner = this.db.createQueryRunner();
    await runner.connect();
    let client: ImapFlow | undefined;
    try {
      await runner.startTransaction();
      await runner.query(
        `INSERT INTO inbox_imap_state (mailbox, uid_validity) VALUES ($1, 0) ON CONFLICT (mailbox) DO NOTHING`,
        [target.key],
      );
      const rows = (await runner.query(
        `SELECT uid_validity, last_uid FROM inbox_imap_state WHERE mailbox = $1 FOR UPDATE SKIP LOCKED`,
        [target.key],
      )) as Array<{ uid_validity: string; last_uid: string }>;
      if (!rows[0]) {
        await runner.rollbackTransaction();
        return 0; // another instance is reading this mailbox now
      }
      client = new ImapFlow({
        host: target.host,
        port: target.port,
        secure: target.secure,
        auth: { user: target.user, pass: target.pass },
        logger: false,
        disableAutoIdle: true,
      });
      await client.connect();
      const box = await client.mailboxOpen(target.mailbox, { readOnly: true });
      const validity = String(box.uidValidity);
      // A new UIDVALIDITY means the server renumbered the folder: read it all again (filed once anyway).
      let last = rows[0].uid_validity === validity ? Number(rows[0].last_uid) : 0;
      const found = await client.search({ uid: `${last + 1}:*` }, { uid: true });
      const uids = (Array.isArray(found) ? found : []).filter((u) => u > last).sort((a, b) => a - b);
      const batch = uids.slice(0, this.batchSize);
      let filed = 0;
      try {
        // One FETCH for the batch (in UID order); each message is filed as it streams in, in order,
        // so a reply is filed after the message it answers.
        if (batch.length) {
          for await (const msg of client.fetch(
            `${batch[0]}:${batch[batch.length - 1]}`,
            { uid: true, source: true },
            { uid: true },
          )) {
            if (this.loop.stopped) break;
            if (msg.uid <= last) continue;
            if (msg.source) await this.receiveOrRecord(target, msg.uid, msg.source);
            last = msg.uid;
            filed += 1;
          }
        }
      } finally {
        await runner.query(
          `UPDATE inbox_imap_state SET uid_validity = $2, last_uid = $3, updated_at = now() WHERE mailbox = $1`,
          [target.key, validity, last],
        );
        await runner.commitTransaction();
      }
      return filed === batch.length && uids.length > batch.length ? this.batchSize : filed;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await client?.logout().catch(() => undefined);
      await runner.release();
    }
  }
}
