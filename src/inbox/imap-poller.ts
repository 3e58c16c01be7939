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
import { FilingFiles, InboxService, mapLimit } from './inbox.service';
import type { PreparedInbound, ReceiveResult } from './inbox.service';

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
 * Reads the contact mailbox over IMAP (IMAP_URL) and files new messages through
 * InboxService.fileMany, the same path as zero-config mode, a batch per transaction. It never
 * deletes, moves or flags mail, unless IMAP_ARCHIVE_FOLDER is set: then filed messages are moved
 * there after their batch commits. Its place (UIDVALIDITY, last UID) is a row in inbox_imap_state
 * that it holds with FOR UPDATE SKIP LOCKED while it reads a batch, so instances take turns, and
 * that moves in the batch's transaction; Message-ID and raw hash keep each message once anyway.
 */
@Injectable()
export class ImapPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ImapPoller');
  /** Messages read and filed per transaction (tests lower it). */
  batchSize = 250;
  /** A batch stops before this many bytes of raw mail (it is held in memory while filed). */
  readonly maxBatchBytes = 64 * 1024 * 1024;
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
   * One batch: claim the mailbox's row, read up to batchSize new messages, parse them in parallel,
   * file them all and move the mark (UIDVALIDITY, last UID) in one transaction, so a batch is
   * filed exactly when its mark moves. A message that cannot be parsed or filed (a parser bug, say)
   * is recorded as an audit event with its UID and hash and passed over, so one message cannot
   * block the mailbox; the database or the disk being away stops the batch (read again next time).
   * With IMAP_ARCHIVE_FOLDER, filed messages are then moved there.
   */
  async runOnce(): Promise<number> {
    const target = this.target;
    if (!target || this.loop.stopped) return 0;
    const archive = this.config.imapArchiveFolder;
    const runner = this.db.createQueryRunner();
    await runner.connect();
    let client: ImapFlow | undefined;
    const files = new FilingFiles();
    let results: ReceiveResult[] = [];
    let filedUids: number[] = [];
    let next: Ahead | undefined;
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
      // Read-only unless filed mail is to be moved.
      const box = await client.mailboxOpen(target.mailbox, { readOnly: !archive });
      const validity = String(box.uidValidity);
      // A new UIDVALIDITY means the server renumbered the folder: read it all again (filed once anyway).
      let last = rows[0].uid_validity === validity ? Number(rows[0].last_uid) : 0;
      // Filed earlier but not moved yet (a crash between the commit and the move).
      if (archive && last > 0) await this.archiveLeftovers(client, archive, last);
      const found = await client.search({ uid: `${last + 1}:*` }, { uid: true });
      const uids = (Array.isArray(found) ? found : []).filter((u) => u > last).sort((a, b) => a - b);
      // The batch read ahead by the previous run (while it was filing), if it is the one due now.
      const ahead = this.ahead;
      this.ahead = undefined;
      let batch: number[];
      let read: ReadBatch;
      if (ahead && ahead.validity === validity && ahead.uids[0] === uids[0]) {
        batch = ahead.uids;
        read = await ahead.read;
      } else {
        batch = await this.withinBytes(client, uids.slice(0, this.batchSize));
        read = await this.readBatch(client, batch, last);
      }
      const { fetched, prepared, unreadable } = read;
      // Read (fetch and parse) the next batch while this one is filed: the CPU work of one overlaps
      // the database and disk waits of the other. It is kept for the next run, not filed here.
      const rest = uids.filter((u) => u > batch[batch.length - 1]);
      if (rest.length && fetched.length === batch.length && !this.loop.stopped) {
        const uidsAhead = await this.withinBytes(client, rest.slice(0, this.batchSize));
        const readAhead = this.readBatch(client, uidsAhead, batch[batch.length - 1]);
        readAhead.catch(() => undefined);
        next = { validity, uids: uidsAhead, read: readAhead };
      }
      const tx = runner.manager;
      await runner.query('SAVEPOINT inbox_batch');
      try {
        results = await this.inbox.fileMany(
          tx,
          prepared.map((p) => p.item),
          'imap',
          files,
        );
        filedUids = prepared.map((p) => p.uid);
        await runner.query('RELEASE SAVEPOINT inbox_batch');
      } catch (err) {
        if (isInfrastructure(err)) throw err;
        // Some message in the batch fails: file them one by one to pass over only that one.
        await runner.query('ROLLBACK TO SAVEPOINT inbox_batch');
        await this.inbox.discard(files);
        for (const p of prepared) {
          const own = new FilingFiles();
          await runner.query('SAVEPOINT inbox_one');
          try {
            results.push(...(await this.inbox.fileMany(tx, [p.item], 'imap', own)));
            filedUids.push(p.uid);
            files.keys.push(...own.keys);
            files.evidence.push(...own.evidence);
            await runner.query('RELEASE SAVEPOINT inbox_one');
          } catch (e) {
            if (isInfrastructure(e)) {
              files.keys.push(...own.keys);
              files.evidence.push(...own.evidence);
              throw e;
            }
            await runner.query('ROLLBACK TO SAVEPOINT inbox_one');
            await this.inbox.discard(own);
            unreadable.push({ uid: p.uid, source: p.item.raw, err: e });
          }
        }
      }
      await this.audit.appendMany(
        tx,
        unreadable.map(({ uid, source, err }) => {
          const error = err instanceof Error ? err.message : String(err);
          this.logger.error(`${target.key} UID ${uid} could not be filed and is passed over: ${error}`);
          return {
            actorType: 'system' as const,
            action: 'inbox.unreadable',
            subjectType: 'imap_mailbox',
            subjectId: target.key,
            payload: { uid, sha256: createHash('sha256').update(source).digest('hex'), error: error.slice(0, 500) },
          };
        }),
      );
      if (fetched.length) last = Math.max(last, ...fetched.map((f) => f.uid));
      await runner.query(
        `UPDATE inbox_imap_state SET uid_validity = $2, last_uid = $3, updated_at = now() WHERE mailbox = $1`,
        [target.key, validity, last],
      );
      await runner.commitTransaction();
      this.ahead = next;
      this.inbox.afterCommit(results);
      if (archive) {
        // Only what is filed now (our own mail echoed back and unreadable messages stay).
        const move = filedUids.filter((_, k) => results[k]?.kind !== 'ours');
        await this.moveTo(client, archive, move);
      }
      const full = fetched.length === batch.length && uids.length > batch.length;
      return full ? this.batchSize : fetched.length;
    } catch (err) {
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch(() => undefined);
        await this.inbox.discard(files);
      }
      throw err;
    } finally {
      // A read ahead uses this connection: let it finish before logging out.
      await next?.read.catch(() => undefined);
      await client?.logout().catch(() => undefined);
      await runner.release();
    }
  }

  /** Fetches the messages (one FETCH, in UID order) and parses them, a few at a time. */
  private async readBatch(client: ImapFlow, batch: number[], last: number): Promise<ReadBatch> {
    const fetched: Array<{ uid: number; source: Buffer }> = [];
    // Replies are filed after the messages they answer: UID order.
    if (batch.length)
      for await (const msg of client.fetch(
        `${batch[0]}:${batch[batch.length - 1]}`,
        { uid: true, source: true },
        { uid: true },
      )) {
        if (this.loop.stopped) break;
        if (msg.uid <= last || !msg.source) continue;
        fetched.push({ uid: msg.uid, source: msg.source });
      }
    fetched.sort((a, b) => a.uid - b.uid);
    const prepared: Array<{ uid: number; item: PreparedInbound }> = [];
    const unreadable: Array<{ uid: number; source: Buffer; err: unknown }> = [];
    await mapLimit(fetched, 4, async ({ uid, source }) => {
      try {
        prepared.push({ uid, item: await this.inbox.prepare(source) });
      } catch (err) {
        if (isInfrastructure(err)) throw err;
        unreadable.push({ uid, source, err });
      }
    });
    prepared.sort((a, b) => a.uid - b.uid);
    return { fetched, prepared, unreadable };
  }

  /** The first UIDs whose messages together stay under maxBatchBytes (at least one). */
  private async withinBytes(client: ImapFlow, uids: number[]): Promise<number[]> {
    if (uids.length <= 1) return uids;
    const sizes = new Map<number, number>();
    for (const m of await client.fetchAll(
      `${uids[0]}:${uids[uids.length - 1]}`,
      { uid: true, size: true },
      { uid: true },
    ))
      sizes.set(m.uid, m.size ?? 0);
    let bytes = 0;
    let n = 0;
    while (n < uids.length && (n === 0 || bytes + (sizes.get(uids[n]) ?? 0) <= this.maxBatchBytes)) {
      bytes += sizes.get(uids[n]) ?? 0;
      n += 1;
    }
    return uids.slice(0, n);
  }

  /**
   * Messages at or below the mark still in the folder: those in inbox_message (same raw bytes or
   * Message-ID) were filed and the move after the commit did not happen; they are moved now.
   * Unreadable messages and our own echoed mail stay (and are looked at again each run).
   */
  private async archiveLeftovers(client: ImapFlow, folder: string, last: number): Promise<void> {
    const found = await client.search({ uid: `1:${last}` }, { uid: true });
    // The newest first: a lost move is just below the mark; old unreadable messages wait behind it.
    const left = (Array.isArray(found) ? found : []).filter((u) => u <= last).slice(-this.batchSize);
    if (!left.length) return;
    const seen: Array<{ uid: number; sha256: string; messageId: string | null }> = [];
    for await (const msg of client.fetch(left.join(','), { uid: true, source: true, envelope: true }, { uid: true }))
      if (msg.source)
        seen.push({
          uid: msg.uid,
          sha256: createHash('sha256').update(msg.source).digest('hex'),
          messageId: msg.envelope?.messageId ?? null,
        });
    if (!seen.length) return;
    const filed = await this.db.query<Array<{ raw_sha256: string; message_id: string | null }>>(
      `SELECT raw_sha256, message_id FROM inbox_message WHERE raw_sha256 = ANY($1) OR message_id = ANY($2)`,
      [seen.map((s) => s.sha256), seen.map((s) => s.messageId).filter((x): x is string => !!x)],
    );
    const shas = new Set(filed.map((f) => f.raw_sha256));
    const ids = new Set(filed.map((f) => f.message_id));
    await this.moveTo(
      client,
      folder,
      seen.filter((s) => shas.has(s.sha256) || (s.messageId && ids.has(s.messageId))).map((s) => s.uid),
    );
  }

  /** UID MOVE to the archive folder, created first if missing. A failure is logged, retried next run. */
  private async moveTo(client: ImapFlow, folder: string, uids: number[]): Promise<void> {
    if (!uids.length) return;
    try {
      if (!this.archiveReady) {
        await client.mailboxCreate(folder);
        this.archiveReady = true;
      }
      const moved = await client.messageMove(uids.join(','), folder, { uid: true });
      if (!moved) throw new Error('the server refused the move');
    } catch (err) {
      this.archiveReady = false;
      this.logger.warn(`could not move ${uids.length} filed message(s) to ${folder}: ${(err as Error).message}`);
    }
  }

  private archiveReady = false;
  private ahead?: Ahead;
}

interface ReadBatch {
  fetched: Array<{ uid: number; source: Buffer }>;
  prepared: Array<{ uid: number; item: PreparedInbound }>;
  unreadable: Array<{ uid: number; source: Buffer; err: unknown }>;
}

/** The next batch, read while the previous one was filed; used by the next run if still due. */
interface Ahead {
  validity: string;
  uids: number[];
  read: Promise<ReadBatch>;
}

/** The database or the disk being away: the batch stops and is read again, nothing is passed over. */
function isInfrastructure(err: unknown): boolean {
  return isDatabaseUnavailable(err) || err instanceof StorageUnavailableError;
}
