import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** The prev_hash of the first seal. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Format 1 (seals written before migration 1764400000000; the verifier still checks them): the
 * projection of an audit event that those seals cover. occurred_at is rendered in UTC by hand rather than left
 * to json_build_object: that would use the session's TimeZone, and a verifier connecting with a
 * different TimeZone would then see every seal as broken.
 */
export const AUDIT_EVENT_JSON = `json_build_object(
  'id', id::text,
  'occurredAt', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'actorType', actor_type,
  'actorId', actor_id,
  'action', action,
  'subjectType', subject_type,
  'subjectId', subject_id,
  'payload', payload)`;

export type SealedEvent = Record<string, unknown> & { id: string };

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function jcs(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('audit event cannot be canonicalized');
  return text;
}

/** sha256(prev_hash + "\n" + RFC 8785 canonical JSON of the events, in id order). */
export function sealHash(prevHash: string, events: SealedEvent[]): string {
  return sha256(`${prevHash}\n${jcs(events)}`);
}

/** Per-event digest stored beside the seal, so the verifier can name the event that changed. */
export function eventDigest(event: SealedEvent): string {
  return sha256(jcs(event));
}

/**
 * Seal formats. 1: the seal hash is over RFC 8785 JSON built in Node (see sealHash above); seals
 * written before migration 1764400000000 are of this kind and are still verified that way.
 * 2: everything is computed inside PostgreSQL from the SQL below, by the sealer and the verifier
 * alike, so verification never pulls event rows through Node.
 */
export const SEAL_FORMAT = 2;

/**
 * Format 2: the canonical text of one audit event (table alias `e`), one line, fields separated
 * by single spaces:
 *   id, occurred_at as PostgreSQL's binary timestamptz in hex (big-endian int64 microseconds
 *   since 2000-01-01 UTC: independent of the session's TimeZone and DateStyle), then actor_type,
 *   actor_id, action, subject_type and subject_id as SQL literals (quote_literal: 'it''s'; a null
 *   actor_id is NULL unquoted), then payload as jsonb's own text (keys sorted, no raw newline).
 * Every field is self-delimiting, so the text determines the event, and lines joined with "\n"
 * determine the list.
 */
export const EVENT_TEXT_SQL = `concat_ws(' ', e.id, encode(timestamptz_send(e.occurred_at), 'hex'),
  quote_literal(e.actor_type), quote_nullable(e.actor_id), quote_literal(e.action),
  quote_literal(e.subject_type), quote_literal(e.subject_id), coalesce(e.payload::text, 'NULL'))`;

/** sha256, hex, of a text SQL expression's UTF-8 bytes. */
export function sha256Sql(text: string): string {
  return `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`;
}

/** Format 2 per-event digest (only to name the event that changed; not part of the chain). */
export const EVENT_DIGEST_SQL = sha256Sql(EVENT_TEXT_SQL);

/** Format 2 seal hash: sha256(prev_hash + "\n" + the events' canonical lines joined by "\n", in id order). */
export function sealHashSql(prevHash: string, body: string): string {
  return sha256Sql(`${prevHash} || E'\\n' || ${body}`);
}

/**
 * A subquery giving, for the events matching `where` (alias `e`), in id order: `ids` (bigint[]),
 * `body` (their canonical lines joined by "\n"), `first_at` and `last_at` (their earliest and latest
 * occurred_at: the seal's span) and, if asked, `digests` (text[]). The aggregates read one
 * ordered stream, so ids and body are in the same order; callers compare ids with the seal's
 * event_ids, which therefore also proves the body is in the seal's order.
 */
export function sealedEventsSql(where: string, withDigests = false): string {
  const digests = withDigests ? `array_agg(${sha256Sql('t.line')})` : 'NULL::text[]';
  return `(SELECT array_agg(t.id) AS ids, string_agg(t.line, E'\\n') AS body, ${digests} AS digests,
                  min(t.at) AS first_at, max(t.at) AS last_at
             FROM (SELECT e.id, e.occurred_at AS at, ${EVENT_TEXT_SQL} AS line FROM audit_event e WHERE ${where} ORDER BY e.id) t)`;
}
