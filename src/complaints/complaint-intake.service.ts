import { Inject, Injectable, Logger } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { hash } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { ArticlesService } from '../articles/articles.service';
import { ConflictError, ValidationError } from '../common/domain-error';
import { newToken, hashToken } from '../common/tokens';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { mailDomain, newMessageId } from '../mail/message-id';
import { OutboxSignal } from '../mail/outbox-signal';
import { runPipelined } from '../database/pipelined-transaction';
import { checkBusinessRules, firstPerField, parseComplaint, ResolvedItem } from './complaint-validation';
import type { CreateComplaintDto } from './dto/create-complaint.dto';
import { checkFiles, EvidenceStorage, StoredFile, UploadedPart } from './evidence-storage';
import { defaultRequesterCategory } from './legal-basis';
import type { Locale } from './legal-basis';

export interface IntakeContext {
  idempotencyKey?: string;
  /** The page's language, used when the body names none. */
  locale?: Locale;
  ip?: string;
  channel: 'api' | 'form' | 'mail';
  /** A case filed from a message to the contact address: the receipt replies in its thread. */
  thread?: { inReplyTo: string; references: string };
}

/**
 * What the filer is told. A duplicate is answered exactly as a new filing (state `received`,
 * its own reference and tracking link): whoever used the address learns nothing of an earlier
 * case; the address's owner is told by mail (complaint-joined).
 */
export interface IntakeResult {
  reference: string;
  state: 'received';
  /** null on a replay after the replay window (IDEMPOTENCY_REPLAY_HOURS): the link was erased. */
  trackingUrl: string | null;
  email: string;
  replayed: boolean;
}

/**
 * Takes a complaint in: validates it against its legal basis and the catalogue, stores the
 * evidence, and commits the complaint, its items and files, its audit event and its mail jobs
 * in one transaction. The inserts are one statement of data-modifying CTEs (STYLE.md: count
 * round trips on the hot path); the only lock is per complainant, for duplicate detection.
 */
@Injectable()
export class ComplaintIntakeService {
  private readonly logger = new Logger('Intake');
  private readonly domain: string;
  private readonly pool: Pool;

  constructor(
    private readonly db: DataSource,
    private readonly articles: ArticlesService,
    private readonly storage: EvidenceStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: OutboxSignal,
  ) {
    this.domain = mailDomain(config);
    this.pool = (db.driver as unknown as { master: Pool }).master;
  }

  async submit(body: unknown, parts: UploadedPart[], ctx: IntakeContext): Promise<IntakeResult> {
    const { dto, errors: structural } = await parseComplaint(body);
    const { files, errors: fileErrors } = checkFiles(parts);
    const counts = {
      evidence: files.filter((f) => f.purpose === 'evidence').length,
      authorisation: files.filter((f) => f.purpose === 'authorisation').length,
      identity: files.filter((f) => f.purpose === 'identity').length,
    };
    const { items, errors: ruleErrors } = await checkBusinessRules(dto, counts, (url) => this.articles.resolveUrl(url));
    const errors = firstPerField([...structural, ...fileErrors, ...ruleErrors]);
    if (errors.length) throw new ValidationError(errors);

    const locale: Locale = dto.locale ?? ctx.locale ?? 'zh-CN';
    // crypto.hash: one call, no Hash object (a third of createHash's cost for inputs this small).
    const requestHash = hash(
      'sha256',
      canonicalize({ dto, files: files.map((f) => [f.purpose, f.sha256]) }) ?? '',
      'hex',
    );
    const key = ctx.idempotencyKey?.trim() || undefined;
    if (key) {
      const earlier = await this.findByIdempotencyKey(key, requestHash);
      if (earlier) return earlier;
    }

    const stored = await this.storage.write(files);
    try {
      const result = await this.insert(dto, items, stored, locale, key, requestHash, ctx);
      this.outbox.kick();
      return result;
    } catch (err) {
      await this.storage.remove(stored);
      // A concurrent request with the same Idempotency-Key won the race: answer with its case.
      if (key && (err as { code?: string; constraint?: string }).constraint === 'complaint_idempotency_key_key') {
        const earlier = await this.findByIdempotencyKey(key, requestHash);
        if (earlier) return earlier;
      }
      throw err;
    }
  }

  private async findByIdempotencyKey(key: string, requestHash: string): Promise<IntakeResult | null> {
    const rows = await this.db.query<
      Array<{ reference: string; request_hash: string; complainant_email: string; tracking_token: string | null }>
    >(
      // The clear token is kept for the replay window only (intake_replay, swept after).
      `SELECT c.reference, c.request_hash, c.complainant_email, r.tracking_token
         FROM complaint c LEFT JOIN intake_replay r ON r.complaint_id = c.id AND r.expires_at > now()
        WHERE c.idempotency_key = $1`,
      [key],
    );
    const r = rows[0];
    if (!r) return null;
    if (r.request_hash !== requestHash) {
      throw new ConflictError('This Idempotency-Key was already used for a different complaint', {
        idempotencyKey: key,
      });
    }
    return {
      reference: r.reference,
      state: 'received',
      trackingUrl: r.tracking_token ? `${this.config.publicBaseUrl}/track/${r.tracking_token}` : null,
      email: r.complainant_email,
      replayed: true,
    };
  }

  private async insert(
    dto: CreateComplaintDto,
    items: ResolvedItem[],
    files: StoredFile[],
    locale: Locale,
    idempotencyKey: string | undefined,
    requestHash: string,
    ctx: IntakeContext,
  ): Promise<IntakeResult> {
    const email = dto.complainant.email.trim().toLowerCase();
    const token = newToken();
    const trackingUrl = `${this.config.publicBaseUrl}/track/${token}`;
    const articleIds = [...new Set(items.map((i) => i.article.id))];
    const complainant = Object.fromEntries(
      Object.entries(dto.complainant).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
    );

    const mailItems = items.map((i) => ({
      kind: i.kind,
      articleTitle: i.article.title,
      articleUrl: i.article.url,
      detail: i.kind === 'image' ? null : i.detail,
    }));
    const receipt = newMessageId(this.domain);
    const notice = newMessageId(this.domain);
    const joined = newMessageId(this.domain);
    const barred = newMessageId(this.domain);
    // The statement decides between received and duplicate; each mail says for which it is
    // sent (`on`): a new case gets the receipt and the desk's notice, a duplicate only the
    // address owner's note naming their earlier case (the desk is not told twice).
    // trackingUrl is null here: MailWorker mints the link at send time (mail-links.ts).
    const mails = [
      {
        id: receipt.id,
        template: 'complaint-receipt',
        locale,
        to_address: email,
        message_id: receipt.messageId,
        on: 'received',
        in_reply_to: ctx.thread?.inReplyTo ?? null,
        reply_references: ctx.thread?.references ?? null,
        payload: {
          trackingUrl: null,
          legalBasis: dto.legalBasis,
          complainantName: dto.complainant.name,
          items: mailItems,
        },
      },
      {
        id: joined.id,
        template: 'complaint-joined',
        locale,
        to_address: email,
        message_id: joined.messageId,
        on: 'duplicate',
        payload: { trackingUrl: null, legalBasis: dto.legalBasis, items: mailItems },
      },
      {
        // 条例 Art. 17: sent besides the receipt when the statement finds the filing barred
        // (the earlier case's reference is added by the statement).
        id: barred.id,
        template: 'complaint-renotice-barred',
        locale,
        to_address: email,
        message_id: barred.messageId,
        on: 'barred',
        payload: { legalBasis: dto.legalBasis, complainantName: dto.complainant.name, items: mailItems },
      },
      {
        id: notice.id,
        template: 'complaint-notice',
        locale: 'zh-CN',
        to_address: this.config.contactEmail,
        message_id: notice.messageId,
        on: 'received',
        payload: {
          legalBasis: dto.legalBasis,
          complainantName: dto.complainant.name,
          complainantEmail: email,
          organisation: dto.complainant.organisation ?? null,
          actingFor: dto.complainant.actingFor ?? null,
          items: mailItems,
          explanationExcerpt: dto.explanation.slice(0, 500),
          evidenceCount: files.length,
        },
      },
    ];
    // No personal data in the audit trail: it can never be erased.
    const auditPayload = {
      channel: ctx.channel,
      legalBasis: dto.legalBasis,
      locale,
      items: items.map((i) => ({ kind: i.kind, articleId: i.article.id, imageId: i.imageId })),
      files: files.map((f) => ({
        purpose: f.purpose,
        sha256: f.sha256,
        sizeBytes: f.sizeBytes,
        contentType: f.contentType,
      })),
    };
    const params = [
      dto.legalBasis,
      locale,
      JSON.stringify(complainant),
      email,
      dto.originalWork ? JSON.stringify(dto.originalWork) : null,
      dto.explanation,
      JSON.stringify({
        truthful: dto.declarations.truthful,
        goodFaith: dto.declarations.goodFaith ?? false,
        perjury: dto.declarations.perjury ?? false,
        signature: dto.signature ?? null,
      }),
      hashToken(token),
      articleIds,
      idempotencyKey ?? null,
      requestHash,
      JSON.stringify(
        items.map((i) => ({
          position: i.position,
          kind: i.kind,
          article_id: i.article.id,
          image_id: i.imageId,
          article_url: i.articleUrl,
          detail: i.detail,
        })),
      ),
      JSON.stringify(
        files.map((f) => ({
          purpose: f.purpose,
          original_name: f.originalName,
          content_type: f.contentType,
          size_bytes: f.sizeBytes,
          sha256: f.sha256,
          storage_key: f.storageKey,
        })),
      ),
      JSON.stringify(auditPayload),
      JSON.stringify(mails),
      `${this.config.publicBaseUrl}/staff/complaints/`,
      items[0].article.title,
      this.config.sla.firstReviewHours,
      // Kept in clear for a replay of the same Idempotency-Key only, and only for the window.
      idempotencyKey && this.config.idempotencyReplayHours > 0 ? token : null,
      this.config.idempotencyReplayHours,
      dto.requesterCategory ?? defaultRequesterCategory(dto.legalBasis, dto.complainant.actingFor),
      ctx.channel,
    ];

    // One round trip: the lock and the statement go out in one write as one transaction (committed
    // at the pipeline's Sync). The advisory lock serialises only filings by the same complainant,
    // which makes the duplicate check race-free; it is taken before the statement so that
    // statement's snapshot sees every case committed by an earlier filing of the same person.
    // Both are named: parsed once per connection, not on every complaint.
    const [, rows] = await runPipelined(this.pool, [
      { name: 'intake-lock-v1', text: 'SELECT pg_advisory_xact_lock($1::bigint)', values: [lockKey(email)] },
      { name: 'intake-v5', text: INTAKE_SQL, values: params },
    ]);
    const row = rows[0] as {
      reference: string;
      state: 'received' | 'duplicate';
      duplicate_of: string | null;
      barred_by: string | null;
    };
    this.logger.debug(
      `${row.reference} ${row.state}${row.duplicate_of ? ` of ${row.duplicate_of}` : ''}${row.barred_by ? ` barred by ${row.barred_by}` : ''} (${dto.legalBasis}, ${items.length} item(s), ${files.length} file(s))`,
    );
    // A duplicate is answered exactly as a new filing: nothing reveals the earlier case.
    return { reference: row.reference, state: 'received', trackingUrl, email, replayed: false };
  }
}

/** A signed 64-bit advisory-lock key for one complainant (decimal digits). */
function lockKey(email: string): string {
  return hash('sha256', `intake:${email}`, 'buffer').readBigInt64BE(0).toString();
}

/** A work's address as compared for the re-notice bar: no scheme, www., fragment or trailing slash; case-folded. */
const workUrl = (u: string) =>
  `nullif(lower(regexp_replace(regexp_replace(regexp_replace(regexp_replace(${u}, '^\\s+|\\s+$', '', 'g'), '#.*$', ''), '/+$', ''), '^https?://(www\\.)?', '', 'i')), '')`;
/** A work's description as compared: trimmed, runs of white space as one space, case-folded. */
const workText = (d: string) => `nullif(lower(btrim(regexp_replace(${d}, '\\s+', ' ', 'g'))), '')`;

/**
 * Complaint, items, files, links, audit event and mail jobs: one statement, one round trip.
 *
 * Duplicates: a filing is a duplicate only while an earlier case of the same address is still
 * undecided (received, in review, waiting for information, escalated) AND that case names every
 * item of the new filing (same article; same image; same passage text). Anything else (a new
 * image, new evidence after a decision) is a new case, linked to the same address's earlier
 * cases about the same articles (complaint_link, "Related cases" on the case page).
 *
 * Re-notice bar (条例 Art. 17): a cn-copyright filing by the same address about one of the same
 * articles and the same work (the original's address, compared by workUrl, or else its
 * description, by workText) as an earlier cn-copyright case of theirs that was restored after a
 * valid counter-notice (state restored, or closed after passing through restored, as its audit
 * trail shows) is taken in like any filing and marked renotice_barred_by that case: linked to
 * it, its own audit event, and a complaint-renotice-barred mail besides the receipt. A
 * moderator rejects it (no final decision by software alone). A duplicate is not marked.
 */
export const INTAKE_SQL = `
WITH newitems AS (
  SELECT * FROM jsonb_to_recordset($12::jsonb) AS x(position int, kind text, article_id uuid, image_id uuid, article_url text, detail text)
), earlier AS (
  -- The same address's earlier cases about any of these articles (duplicates aside).
  SELECT DISTINCT c.id, c.reference, c.state, c.received_at
    FROM complaint c JOIN complaint_item i ON i.complaint_id = c.id
   WHERE c.complainant_email = $4 AND i.article_id = ANY($9::uuid[]) AND c.state <> 'duplicate'
), dup AS (
  SELECT e.id, e.reference FROM earlier e
   WHERE e.state IN ('received', 'in_review', 'needs_info', 'escalated')
     AND NOT EXISTS (
       SELECT 1 FROM newitems x
        WHERE NOT EXISTS (
          SELECT 1 FROM complaint_item i
           WHERE i.complaint_id = e.id AND i.article_id = x.article_id AND i.kind = x.kind
             AND i.image_id IS NOT DISTINCT FROM x.image_id
             AND (x.kind <> 'passage' OR btrim(i.detail) = btrim(x.detail))))
   ORDER BY e.received_at LIMIT 1
), barred AS (
  SELECT e.id, e.reference FROM complaint e
   WHERE $1 = 'cn-copyright' AND e.legal_basis = 'cn-copyright' AND e.complainant_email = $4
     AND EXISTS (SELECT 1 FROM complaint_item i WHERE i.complaint_id = e.id AND i.article_id = ANY($9::uuid[]))
     AND (e.state = 'restored'
          OR (e.state = 'closed' AND EXISTS (
                SELECT 1 FROM audit_event v
                 WHERE v.subject_type = 'complaint' AND v.subject_id = e.id::text
                   AND v.action = 'complaint.transition' AND v.payload ->> 'to' = 'restored')))
     AND (${workUrl(`e.original_work ->> 'url'`)} = ${workUrl(`$5::jsonb ->> 'url'`)}
          OR ${workText(`e.original_work ->> 'description'`)} = ${workText(`$5::jsonb ->> 'description'`)})
   ORDER BY e.received_at DESC LIMIT 1
), c AS (
  INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email, original_work,
                         explanation, declarations, tracking_token_hash, duplicate_of, idempotency_key, request_hash,
                         article_title, due_at, requester_category, renotice_barred_by, channel, decided_at, decided_state,
                         article_items, image_items, passage_items)
  SELECT 'ND-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(nextval('complaint_reference_seq')::text, 6, '0'),
         CASE WHEN dup.id IS NULL THEN 'received' ELSE 'duplicate' END,
         $1, $2, $3::jsonb, $4, $5::jsonb, $6, $7::jsonb, $8, dup.id, $10, $11, $17,
         CASE WHEN dup.id IS NULL THEN now() + make_interval(hours => $18::int) END,
         $21, CASE WHEN dup.id IS NULL THEN (SELECT id FROM barred) END,
         -- Report milestones: how it came in; a repeat is decided (duplicate) at receipt.
         $22, CASE WHEN dup.id IS NOT NULL THEN now() END, CASE WHEN dup.id IS NOT NULL THEN 'duplicate' END,
         -- Items by kind, for the reports.
         k.article, k.image, k.passage
    FROM (SELECT count(*) FILTER (WHERE kind = 'article') AS article, count(*) FILTER (WHERE kind = 'image') AS image,
                 count(*) FILTER (WHERE kind = 'passage') AS passage FROM newitems) k
    LEFT JOIN dup ON true
  RETURNING id, reference, state, renotice_barred_by
), links AS (
  -- A new case names the earlier ones (the 20 latest, and always the case that bars it); a
  -- duplicate points at its case instead.
  INSERT INTO complaint_link (complaint_id, related_id)
  SELECT c.id, e.id FROM c,
         ((SELECT id FROM earlier ORDER BY received_at DESC LIMIT 20) UNION SELECT renotice_barred_by FROM c) e
   WHERE c.state = 'received' AND e.id IS NOT NULL
), replay AS (
  INSERT INTO intake_replay (complaint_id, tracking_token, expires_at)
  SELECT c.id, $19, now() + make_interval(hours => $20::int) FROM c WHERE $19::text IS NOT NULL
), versions AS (
  -- The articles as they stand now, with a hash of what is captured: stored once per distinct
  -- content (article_version); each item names the version it was filed against.
  SELECT a.id AS article_id, a.title, a.body, imgs.list AS images,
         -- A JSON array: unambiguous (a title's newline cannot pass for the body's), as a storage key must be.
         encode(sha256(convert_to(jsonb_build_array(a.title, a.body, imgs.list)::text, 'UTF8')), 'hex') AS sha256
    FROM article a,
         LATERAL (SELECT coalesce(jsonb_agg(jsonb_build_object('id', i.id, 'caption', i.caption, 'sha256', i.sha256, 'status', i.status)
                                            ORDER BY i.position), '[]'::jsonb) AS list
                    FROM article_image i WHERE i.article_id = a.id) imgs
   WHERE a.id = ANY($9::uuid[])
), new_versions AS (
  INSERT INTO article_version (article_id, sha256, title, body, images)
  SELECT v.article_id, v.sha256, v.title, v.body, v.images FROM versions v
   WHERE NOT EXISTS (SELECT 1 FROM article_version o WHERE o.article_id = v.article_id AND o.sha256 = v.sha256)
   ORDER BY v.article_id
  ON CONFLICT (article_id, sha256) DO NOTHING
), items AS (
  INSERT INTO complaint_item (complaint_id, position, kind, article_id, image_id, article_url, detail, snapshot_sha256)
  SELECT c.id, x.position, x.kind, x.article_id, x.image_id, x.article_url, x.detail, v.sha256
    FROM c, newitems x LEFT JOIN versions v ON v.article_id = x.article_id -- an article gone fails on its FK, never drops the item
), files AS (
  INSERT INTO evidence_file (complaint_id, purpose, original_name, content_type, size_bytes, sha256, storage_key)
  SELECT c.id, x.purpose, x.original_name, x.content_type, x.size_bytes, x.sha256, x.storage_key
    FROM c, jsonb_to_recordset($13::jsonb) AS x(purpose text, original_name text, content_type text, size_bytes int, sha256 text, storage_key text)
), audit AS (
  INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload)
  SELECT 'complainant', 'complaint.received', 'complaint', c.id::text,
         $14::jsonb || jsonb_build_object('reference', c.reference, 'state', c.state, 'duplicateOf', (SELECT reference FROM dup))
    FROM c
), barred_audit AS (
  INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload)
  SELECT 'system', 'complaint.renotice_barred', 'complaint', c.id::text,
         jsonb_build_object('reference', c.reference, 'barredBy', (SELECT reference FROM barred), 'rule', '信息网络传播权保护条例 Art. 17')
    FROM c WHERE c.renotice_barred_by IS NOT NULL
), mail AS (
  INSERT INTO mail_job (id, template, locale, to_address, message_id, payload, complaint_id, in_reply_to, reply_references)
  SELECT x.id, x.template, x.locale, x.to_address, x.message_id,
         x.payload || jsonb_build_object('reference', c.reference, 'caseUrl', $16 || c.reference,
                                         'duplicateOfReference', (SELECT reference FROM dup),
                                         'receivedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
           || CASE WHEN x."on" = 'barred' THEN jsonb_build_object('earlierReference', (SELECT reference FROM barred)) ELSE '{}'::jsonb END,
         c.id, x.in_reply_to, x.reply_references
    FROM c, jsonb_to_recordset($15::jsonb) AS x(id uuid, template text, locale text, to_address text, message_id text, "on" text, payload jsonb,
                                                in_reply_to text, reply_references text)
   WHERE x."on" = c.state OR (x."on" = 'barred' AND c.renotice_barred_by IS NOT NULL)
)
SELECT c.reference, c.state, (SELECT reference FROM dup) AS duplicate_of,
       CASE WHEN c.renotice_barred_by IS NOT NULL THEN (SELECT reference FROM barred) END AS barred_by FROM c`;
