import type { QueryRunner } from 'typeorm';
import { AUDIT_EVENT_JSON, EVENT_TEXT_SQL } from '../audit/audit-chain';

/**
 * The reads of an evidence bundle, all in the caller's one REPEATABLE READ READ ONLY transaction
 * (a single snapshot: the parts of a bundle agree with each other). Nothing here writes.
 */

/** Tables holding a case's records, and the columns left out of complaint.json (secrets, server paths). */
const CASE_TABLES: ReadonlyArray<{ table: string; key: string; omit: readonly string[] }> = [
  { table: 'complaint_item', key: 'complaint_id', omit: [] },
  { table: 'evidence_file', key: 'complaint_id', omit: ['storage_key'] },
  { table: 'complaint_response', key: 'complaint_id', omit: [] },
  { table: 'complaint_note', key: 'complaint_id', omit: [] },
  { table: 'appeal', key: 'complaint_id', omit: [] },
  { table: 'counter_notice', key: 'complaint_id', omit: [] },
  { table: 'litigation_proof', key: 'complaint_id', omit: [] },
  { table: 'case_timer', key: 'complaint_id', omit: [] },
  { table: 'complaint_link', key: 'complaint_id', omit: [] },
  { table: 'sla_breach', key: 'complaint_id', omit: [] },
  { table: 'article_correction', key: 'complaint_id', omit: [] },
  { table: 'newsroom_task', key: 'complaint_id', omit: [] },
  { table: 'notice_withholding', key: 'complaint_id', omit: [] },
  { table: 'complainant_warning', key: 'complaint_id', omit: [] },
  { table: 'mail_job', key: 'complaint_id', omit: ['locked_until'] },
  { table: 'inbox_message', key: 'complaint_id', omit: ['raw_key'] },
];

export interface BundleCase {
  id: string;
  reference: string;
  /** The case row as stored, without its token hashes and idempotency data. */
  row: Record<string, unknown>;
}

export interface BundleFileRow {
  id: string;
  purpose: string;
  original_name: string;
  storage_key: string;
  sha256: string;
}

export interface BundleMailRow {
  id: string;
  template: string;
  locale: 'zh-CN' | 'en';
  to_address: string;
  message_id: string;
  payload: Record<string, unknown>;
  state: string;
  created_at: Date;
  sent_at: Date | null;
  in_reply_to: string | null;
  reply_references: string | null;
}

export interface BundleInboxRow {
  id: string;
  reference: string;
  raw_key: string;
  raw_sha256: string;
}

export interface BundleEventRow {
  id: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  payload: Record<string, unknown>;
  /** Format 2 canonical line (audit-chain.ts EVENT_TEXT_SQL). */
  line2: string;
  /** Format 1 projection (AUDIT_EVENT_JSON), canonicalised in Node for format-1 seals. */
  json1: Record<string, unknown>;
  seal_id: string | null;
  seal_position: number | null;
}

export interface BundleSealRow {
  id: string;
  format: number;
  event_ids: string[];
  event_digests: string[];
  low_water: string;
  prev_hash: string;
  hash: string;
  sealed_at: Date;
}

export const bundleRepository = {
  async caseRow(q: QueryRunner, reference: string): Promise<BundleCase | null> {
    const rows = (await q.query(
      `SELECT c.id, c.reference,
              to_jsonb(c) - 'tracking_token_hash' - 'idempotency_key' - 'request_hash' AS row
         FROM complaint c WHERE c.reference = $1`,
      [reference],
    )) as BundleCase[];
    return rows[0] ?? null;
  },

  /** Every record of the case, table by table, as stored (minus the omitted columns). */
  async records(q: QueryRunner, complaintId: string): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const t of CASE_TABLES) {
      const omit = t.omit.map((c) => ` - '${c}'`).join('');
      const rows = (await q.query(
        `SELECT coalesce(jsonb_agg(to_jsonb(t)${omit} ORDER BY to_jsonb(t)->>'id'), '[]'::jsonb) AS rows
           FROM ${t.table} t WHERE t.${t.key} = $1`,
        [complaintId],
      )) as Array<{ rows: unknown[] }>;
      out[t.table] = rows[0].rows;
    }
    return out;
  },

  async files(q: QueryRunner, complaintId: string): Promise<BundleFileRow[]> {
    return (await q.query(
      `SELECT id, purpose, original_name, storage_key, sha256 FROM evidence_file
        WHERE complaint_id = $1 ORDER BY created_at, id`,
      [complaintId],
    )) as BundleFileRow[];
  },

  async snapshots(q: QueryRunner, complaintId: string): Promise<Array<Record<string, unknown> & { id: string }>> {
    return (await q.query(
      `SELECT s.article_id AS id, s.article_id, a.slug, a.url, s.title, s.body, s.images, s.sha256,
              s.first_taken_at, c.received_at AS taken_at
         FROM complaint c
         JOIN LATERAL (SELECT DISTINCT article_id, snapshot_sha256 FROM complaint_item WHERE complaint_id = c.id) ci ON true
         JOIN article_version s ON s.article_id = ci.article_id AND s.sha256 = ci.snapshot_sha256
         JOIN article a ON a.id = s.article_id
        WHERE c.id = $1 ORDER BY s.article_id`,
      [complaintId],
    )) as Array<Record<string, unknown> & { id: string }>;
  },

  async mails(q: QueryRunner, complaintId: string): Promise<BundleMailRow[]> {
    return (await q.query(
      `SELECT id, template, locale, to_address, message_id, payload, state, created_at, sent_at, in_reply_to, reply_references
         FROM mail_job WHERE complaint_id = $1 ORDER BY created_at, id`,
      [complaintId],
    )) as BundleMailRow[];
  },

  async inbound(q: QueryRunner, complaintId: string): Promise<BundleInboxRow[]> {
    return (await q.query(
      `SELECT id, reference, raw_key, raw_sha256 FROM inbox_message
        WHERE complaint_id = $1 ORDER BY received_at, id`,
      [complaintId],
    )) as BundleInboxRow[];
  },

  /**
   * The case's audit events (subject the case, or one of its inbox messages), with their canonical
   * forms and the seal whose event_ids holds each (audit_seal_last_event_idx, as the audit browser).
   */
  async events(q: QueryRunner, complaintId: string, inboxIds: string[]): Promise<BundleEventRow[]> {
    return (await q.query(
      `SELECT e.id, e.occurred_at, e.actor_type, e.actor_id, e.action, e.subject_type, e.subject_id, e.payload,
              ${EVENT_TEXT_SQL} AS line2,
              (SELECT ${AUDIT_EVENT_JSON} FROM audit_event WHERE audit_event.id = e.id) AS json1,
              s.id AS seal_id, array_position(s.event_ids, e.id) AS seal_position
         FROM audit_event e
         LEFT JOIN LATERAL (
           SELECT s.id, s.event_ids FROM audit_seal s
            WHERE s.event_ids[cardinality(s.event_ids)] >= e.id AND e.id = ANY(s.event_ids)
            ORDER BY s.event_ids[cardinality(s.event_ids)] LIMIT 1) s ON true
        WHERE (e.subject_type = 'complaint' AND e.subject_id = $1)
           OR (e.subject_type = 'inbox_message' AND e.subject_id = ANY($2::text[]))
        ORDER BY e.id`,
      [complaintId, inboxIds],
    )) as BundleEventRow[];
  },

  async seals(q: QueryRunner, ids: string[]): Promise<BundleSealRow[]> {
    return (await q.query(
      `SELECT id, format, event_ids, event_digests, low_water, prev_hash, hash, sealed_at
         FROM audit_seal WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    )) as BundleSealRow[];
  },

  /** The newest seal at the snapshot: the head of the chain the daily digest mail carries. */
  async newestSeal(q: QueryRunner): Promise<{ id: string; hash: string; sealed_at: Date } | null> {
    const rows = (await q.query(`SELECT id, hash, sealed_at FROM audit_seal ORDER BY id DESC LIMIT 1`)) as Array<{
      id: string;
      hash: string;
      sealed_at: Date;
    }>;
    return rows[0] ?? null;
  },
};
