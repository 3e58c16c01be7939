import { Inject, Injectable, Logger } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import MailComposer from 'nodemailer/lib/mail-composer';
import { DataSource } from 'typeorm';
import { ZipFile } from 'yazl';
import { AuditService } from '../audit/audit.service';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { NotFoundError } from '../common/domain-error';
import { EvidenceStorage } from '../complaints/evidence-storage';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { InboxStorage } from '../inbox/inbox-storage';
import { INVITATION_LINK_KEY, MAIL_LINK_KEYS } from '../mail/mail-links';
import { MailRenderer } from '../mail/mail-renderer';
import { bundleRepository as repo } from './bundle.repository';
import type { BundleMailRow } from './bundle.repository';
import { verifySealsSql, verifyText } from './bundle-verify';

/** One prepared bundle: its file name and a function that streams the ZIP into `out`. */
export interface PreparedBundle {
  filename: string;
  pipe(out: NodeJS.WritableStream): Promise<void>;
}

type Entry = { path: string; buffer: Buffer } | { path: string; lazy: () => Promise<Readable> };

const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2) + '\n', 'utf8');
/** A name safe as one path segment inside the ZIP. */
const segment = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 80) || 'file';

/**
 * The evidence bundle of a case (issue 8 §9): a ZIP with the case as stored, its files, the article
 * snapshots, every message as .eml, the case's audit events with their seals, and how to verify them
 * by hand (bundle-verify.ts). The export is itself an audit event. Everything from the database is
 * read in one REPEATABLE READ READ ONLY snapshot before streaming starts (one case's rows: small);
 * the files are streamed from disk one at a time, each hashed on the way for manifest.sha256, so
 * memory does not grow with their size.
 */
@Injectable()
export class BundleService {
  private readonly logger = new Logger('Bundle');

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly evidence: EvidenceStorage,
    private readonly inbox: InboxStorage,
    private readonly renderer: MailRenderer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async prepare(reference: string, actor: StaffPrincipal): Promise<PreparedBundle> {
    const [found] = await this.db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [
      reference,
    ]);
    if (!found) throw new NotFoundError(`No case ${reference}`);
    // Recorded before anything is read: an export that fails half-way is still in the trail.
    await this.db.transaction((tx) =>
      this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'complaint.bundle_exported',
        subjectType: 'complaint',
        subjectId: found.id,
        payload: { reference },
      }),
    );
    const entries = await this.read(reference);
    this.logger.log(`${reference}: evidence bundle exported by ${actor.role} ${actor.id}`);
    return { filename: `${reference}-bundle.zip`, pipe: (out) => this.zip(reference, entries, out) };
  }

  /** Everything the bundle holds, from one snapshot; file contents stay on disk until their turn. */
  private async read(reference: string): Promise<Entry[]> {
    const q = this.db.createQueryRunner();
    await q.connect();
    try {
      await q.startTransaction('REPEATABLE READ');
      await q.query('SET TRANSACTION READ ONLY');
      const c = await repo.caseRow(q, reference);
      if (!c) throw new NotFoundError(`No case ${reference}`);
      const [records, files, snapshots, mails, inbound, head] = await Promise.all([
        repo.records(q, c.id),
        repo.files(q, c.id),
        repo.snapshots(q, c.id),
        repo.mails(q, c.id),
        repo.inbound(q, c.id),
        repo.newestSeal(q),
      ]);
      const events = await repo.events(
        q,
        c.id,
        inbound.map((m) => m.id),
      );
      const sealIds = [...new Set(events.map((e) => e.seal_id).filter((s): s is string => !!s))];
      const seals = await repo.seals(q, sealIds);
      await q.commitTransaction();

      const entries: Entry[] = [];
      entries.push({ path: 'complaint.json', buffer: json({ complaint: c.row, ...records }) });
      for (const [i, f] of files.entries()) {
        const path = this.evidence.pathOf(f.storage_key);
        const name = `files/${String(i + 1).padStart(2, '0')}-${f.purpose}-${segment(f.original_name)}`;
        const present = await stat(path).then(
          () => true,
          () => false,
        );
        entries.push(
          present
            ? { path: name, lazy: () => Promise.resolve(createReadStream(path)) }
            : {
                path: `${name}.MISSING.txt`,
                buffer: Buffer.from(`The stored file is missing (sha256 ${f.sha256}).\n`),
              },
        );
      }
      for (const s of snapshots)
        entries.push({
          path: `snapshots/${segment(typeof s.slug === 'string' ? s.slug : s.id)}.json`,
          buffer: json(s),
        });
      for (const [i, m] of mails.entries())
        entries.push({
          path: `mail/outgoing/${String(i + 1).padStart(3, '0')}-${segment(m.template)}.eml`,
          lazy: async () => Readable.from([await this.eml(m)]),
        });
      for (const m of inbound) {
        const path = this.inbox.pathOf(m.raw_key);
        entries.push({
          path: `mail/incoming/${segment(m.reference)}.eml`,
          lazy: () => Promise.resolve(createReadStream(path)),
        });
      }

      // Each event's canonical text in its seal's format: what the seal's digest is of.
      const format = new Map(seals.map((s) => [s.id, s.format]));
      const digests: string[] = [];
      const sealById = new Map(seals.map((s) => [s.id, s]));
      const lines: string[] = [];
      for (const e of events) {
        const text = format.get(e.seal_id ?? '') === 1 ? (canonicalize(e.json1) ?? '') : e.line2;
        entries.push({ path: `audit/events/${e.id}.txt`, buffer: Buffer.from(text, 'utf8') });
        const seal = e.seal_id ? sealById.get(e.seal_id) : undefined;
        const digest = seal && e.seal_position ? seal.event_digests[e.seal_position - 1] : null;
        if (digest) digests.push(`${digest}  events/${e.id}.txt`);
        const { line2: _l, json1: _j, seal_position, ...event } = e;
        void _l;
        void _j;
        lines.push(JSON.stringify({ ...event, seal_position, file: `events/${e.id}.txt`, digest }));
      }
      entries.push({ path: 'audit/events.jsonl', buffer: Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8') });
      for (const s of seals) entries.push({ path: `audit/seals/${s.id}.json`, buffer: json(s) });
      entries.push({
        path: 'audit/digests.sha256',
        buffer: Buffer.from(digests.map((d) => d + '\n').join(''), 'utf8'),
      });
      entries.push({ path: 'audit/verify-seals.sql', buffer: Buffer.from(verifySealsSql(reference, seals), 'utf8') });
      entries.push({
        path: 'VERIFY.txt',
        buffer: Buffer.from(
          verifyText({
            reference,
            exportedAt: new Date(),
            events: events.length,
            sealedEvents: digests.length,
            seals: seals.length,
            head: head ? { id: head.id, hash: head.hash, sealedAt: head.sealed_at } : null,
          }),
          'utf8',
        ),
      });
      return entries;
    } catch (err) {
      if (q.isTransactionActive) await q.rollbackTransaction();
      throw err;
    } finally {
      await q.release();
    }
  }

  /**
   * Streams the ZIP: entries in order, each hashed as it passes; manifest.sha256 last (its
   * content is asked for only once every earlier entry has been read).
   */
  private zip(reference: string, entries: Entry[], out: NodeJS.WritableStream): Promise<void> {
    const zip = new ZipFile();
    const manifest: string[] = [];
    const root = `${segment(reference)}/`;
    for (const entry of entries) {
      if ('buffer' in entry) {
        manifest.push(`${createHash('sha256').update(entry.buffer).digest('hex')}  ${entry.path}`);
        zip.addBuffer(entry.buffer, root + entry.path);
        continue;
      }
      zip.addReadStreamLazy(root + entry.path, (cb) => {
        entry.lazy().then(
          (source) => {
            const hash = createHash('sha256');
            const tap = new Transform({
              transform(chunk: Buffer, _enc, next) {
                hash.update(chunk);
                next(null, chunk);
              },
              flush(next) {
                manifest.push(`${hash.digest('hex')}  ${entry.path}`);
                next();
              },
            });
            source.on('error', (err) => tap.destroy(err));
            cb(null, source.pipe(tap));
          },
          (err: unknown) => cb(err, undefined as unknown as NodeJS.ReadableStream),
        );
      });
    }
    zip.addReadStreamLazy(root + 'manifest.sha256', (cb) =>
      cb(
        null,
        Readable.from([Buffer.from(manifest.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join('\n') + '\n')]),
      ),
    );
    zip.end();
    // pipeline: a client that goes away mid-download destroys the ZIP stream (and stops reading files).
    const output = zip.outputStream as Readable;
    zip.on('error', (err: Error) => output.destroy(err));
    return pipeline(output, out);
  }

  /**
   * An outgoing message as it was sent: the same template, language and payload, Message-ID,
   * threading and headers. Private links were minted at send time and are kept nowhere (mail-links.ts):
   * they are shown as withheld.
   */
  private async eml(m: BundleMailRow): Promise<Buffer> {
    const withheld = `${this.config.publicBaseUrl}/private-link-withheld-in-bundle`;
    const payload = { ...m.payload };
    for (const key of [...Object.keys(MAIL_LINK_KEYS), INVITATION_LINK_KEY])
      if (key in payload) payload[key] = withheld;
    const reference = typeof payload.reference === 'string' ? payload.reference.replace(/[\r\n]/g, '') : undefined;
    const headers: Record<string, string> = {
      ...(reference ? { 'X-Notice-Desk-Reference': reference } : {}),
      'Auto-Submitted': m.in_reply_to ? 'auto-replied' : 'auto-generated',
      'X-Notice-Desk-Bundle': `re-rendered from mail_job ${m.id} (state ${m.state}); private links withheld`,
    };
    let rendered;
    try {
      rendered = this.renderer.render(m.template, m.locale, payload);
    } catch (err) {
      rendered = { subject: `[${m.template}]`, text: `Could not render: ${(err as Error).message}\n`, html: undefined };
    }
    return new MailComposer({
      from: this.config.mailFrom,
      to: m.to_address,
      subject: rendered.subject,
      text: rendered.text,
      ...(rendered.html ? { html: rendered.html } : {}),
      messageId: m.message_id,
      date: m.sent_at ?? m.created_at,
      ...(m.in_reply_to ? { inReplyTo: m.in_reply_to, references: m.reply_references ?? m.in_reply_to } : {}),
      headers,
    })
      .compile()
      .build();
  }
}
