import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** The prev_hash of the first seal. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The one projection of an audit event that seals cover, shared by the sealer and the verifier
 * so both hash exactly the same thing. occurred_at is rendered in UTC by hand rather than left
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
 * sealHash and every eventDigest at once, canonicalizing each event only once: the canonical
 * JSON of an array is its elements' canonical JSON between brackets, comma-separated (RFC 8785).
 */
export function seal(prevHash: string, events: SealedEvent[]): { hash: string; digests: string[] } {
  const texts = events.map(jcs);
  return { hash: sha256(`${prevHash}\n[${texts.join(',')}]`), digests: texts.map(sha256) };
}
