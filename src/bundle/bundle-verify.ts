import { EVENT_TEXT_SQL, GENESIS_HASH } from '../audit/audit-chain';

/**
 * What a bundle says about checking it by hand (VERIFY.txt, Chinese then English) and the SQL it
 * ships for the check against the database (audit/verify-seals.sql). The e2e test runs exactly
 * these commands on an exported bundle.
 */

export interface VerifyFacts {
  reference: string;
  exportedAt: Date;
  events: number;
  sealedEvents: number;
  seals: number;
  head: { id: string; hash: string; sealedAt: Date } | null;
}

/** The commands, shared by both languages (and the test). */
export const VERIFY_COMMANDS = {
  files: 'sha256sum -c manifest.sha256',
  events: 'cd audit && sha256sum -c digests.sha256',
  seals: `psql "$DATABASE_URL" -X -A -t -F ' ' -v ON_ERROR_STOP=1 -f audit/verify-seals.sql`,
};

export function verifyText(f: VerifyFacts): string {
  const head = f.head ? `${f.head.hash} (seal ${f.head.id}, ${f.head.sealedAt.toISOString()})` : '(none / 无)';
  const zh = `证据包 ${f.reference} — 如何手工核验
导出时间：${f.exportedAt.toISOString()}
本案审计事件 ${f.events} 条，其中已封存 ${f.sealedEvents} 条，涉及封存（seal）${f.seals} 个。
导出时审计链最新的封存哈希：${head}

内容
  complaint.json            案件在数据库中的记录（不含令牌哈希），及其条目、证据文件信息、回应、申诉、反通知、计时器、邮件记录
  files/                    证据文件原件（sha256 应与 complaint.json 中 evidence_file.sha256 一致）
  snapshots/                投诉时文章的快照
  mail/outgoing/*.eml       发出的每封邮件，按发送内容重新生成（私密链接已隐去，不含 DKIM 签名）
  mail/incoming/*.eml       收到的原始邮件（与 inbox_message.raw_sha256 一致）
  audit/events.jsonl        本案审计事件，每行一条，含所属封存
  audit/events/<id>.txt     每条事件的规范文本（格式 2：一行、以空格分隔、末尾无换行），即被哈希的内容
  audit/seals/<id>.json     覆盖这些事件的封存：event_ids、event_digests、prev_hash、hash
  audit/digests.sha256      每条已封存事件在其封存中记录的摘要
  audit/verify-seals.sql    在数据库中重算封存的查询
  manifest.sha256           本包所有文件的 SHA-256

第 1 步：文件完整。在解压后的 ${f.reference}/ 目录中运行
  ${VERIFY_COMMANDS.files}
每行应为 OK。

第 2 步：事件与封存记录一致。
  ${VERIFY_COMMANDS.events}
每行应为 OK：events/<id>.txt 的 SHA-256 等于封存 seals/<封存>.json 中 event_digests 在该事件于 event_ids 中同一位置的值（可手工对照）。未封存的事件（events.jsonl 中 seal_id 为 null，如本次导出事件本身）不在其中。

第 3 步：封存在数据库中仍然成立（需要数据库只读权限）。
  ${VERIFY_COMMANDS.seals}
每行为“封存编号 ok”。该查询对每个封存重算：
  hash = sha256( prev_hash + "\\n" + 该封存全部事件（含其他案件的事件）的规范文本按 id 排序以 "\\n" 连接 )
并与本包中的 hash 及数据库中的 event_digests 比较，再检查 prev_hash 是之前某个封存的 hash（首个封存为 64 个 0）。
格式 1 的封存（早期数据）显示 format-1，用第 4 步核验。

第 4 步：整条链直到最新封存（在项目目录中）：
  npm run audit:verify -- --expect <最新封存哈希>
最新封存哈希取自每日发给管理员和 CONTACT_EMAIL 的 audit-seal-digest 邮件；导出时的值见上。
`;
  const en = `Evidence bundle ${f.reference}: how to verify it by hand
Exported at: ${f.exportedAt.toISOString()}
Audit events of the case: ${f.events}, of which ${f.sealedEvents} sealed, in ${f.seals} seal(s).
Newest seal hash of the trail at export: ${head}

Contents
  complaint.json            the case as stored (without token hashes), with its items, evidence file records, responses, appeals, counter-notices, timers, mail records
  files/                    the evidence files as uploaded (their sha256 must equal evidence_file.sha256 in complaint.json)
  snapshots/                the article as it was when the complaint was filed
  mail/outgoing/*.eml       every message sent, rendered again from what was sent (private links withheld, no DKIM signature)
  mail/incoming/*.eml       messages received, raw (matching inbox_message.raw_sha256)
  audit/events.jsonl        the case's audit events, one per line, with the seal holding each
  audit/events/<id>.txt     each event's canonical text (format 2: one line, fields separated by spaces, no newline at the end): what is hashed
  audit/seals/<id>.json     the seals holding them: event_ids, event_digests, prev_hash, hash
  audit/digests.sha256      the digest each sealed event has in its seal
  audit/verify-seals.sql    the query that recomputes the seals in the database
  manifest.sha256           SHA-256 of every file in this bundle

Step 1, files intact. In the unpacked ${f.reference}/ folder run
  ${VERIFY_COMMANDS.files}
Every line must say OK.

Step 2, events match their seals.
  ${VERIFY_COMMANDS.events}
Every line must say OK: the SHA-256 of events/<id>.txt equals the entry of event_digests in seals/<seal>.json at the
event's position in event_ids (compare by hand if you like). Events not sealed yet (seal_id null in events.jsonl, such as
this export itself) are not listed.

Step 3, the seals still hold in the database (read access needed).
  ${VERIFY_COMMANDS.seals}
Every line reads "<seal id> ok". For each seal the query recomputes
  hash = sha256( prev_hash + "\\n" + the canonical texts of all its events (other cases' too) in id order, joined by "\\n" )
and compares it with the hash in this bundle and the event digests with event_digests, then checks that prev_hash is
the hash of an earlier seal (${GENESIS_HASH.slice(0, 8)}… 64 zeros for the first). Format-1 seals (early data) show
format-1: check them with step 4.

Step 4, the whole chain up to its newest seal (in the project's folder):
  npm run audit:verify -- --expect <newest seal hash>
Take the newest hash from the daily audit-seal-digest mail to the admins and CONTACT_EMAIL; the one at export is above.
`;
  return `${zh}\n----------------------------------------------------------------\n\n${en}`;
}

/** audit/verify-seals.sql: one line per seal, "<id> ok" when it still holds (read-only). */
export function verifySealsSql(reference: string, seals: ReadonlyArray<{ id: string; hash: string }>): string {
  const header = `-- Evidence bundle ${reference}: recompute each seal holding an event of the case (read-only).\n`;
  if (seals.length === 0) return `${header}SELECT 'no sealed events in this bundle';\n`;
  const values = seals
    .map((s) => `(${BigInt(s.id).toString()}::bigint, '${s.hash.replace(/[^0-9a-f]/g, '')}')`)
    .join(',\n    ');
  return `${header}WITH bundle(seal_id, hash) AS (
  VALUES
    ${values}
)
SELECT b.seal_id,
       CASE WHEN s.id IS NULL THEN 'missing'
            WHEN s.format <> 2 THEN 'format-1'
            WHEN s.hash <> b.hash THEN 'hash-differs'
            WHEN r.hash IS DISTINCT FROM s.hash THEN 'recomputed-differs'
            WHEN r.digests IS DISTINCT FROM s.event_digests THEN 'digests-differ'
            WHEN s.prev_hash <> repeat('0', 64)
                 AND NOT EXISTS (SELECT 1 FROM audit_seal p WHERE p.hash = s.prev_hash AND p.id < s.id) THEN 'chain-broken'
            ELSE 'ok' END AS result
  FROM bundle b
  LEFT JOIN audit_seal s ON s.id = b.seal_id
  LEFT JOIN LATERAL (
    SELECT encode(sha256(convert_to(s.prev_hash || E'\\n' || string_agg(t.line, E'\\n' ORDER BY t.id), 'UTF8')), 'hex') AS hash,
           array_agg(encode(sha256(convert_to(t.line, 'UTF8')), 'hex') ORDER BY t.id) AS digests
      FROM (SELECT e.id, ${EVENT_TEXT_SQL.replace(/\s+/g, ' ')} AS line
              FROM audit_event e WHERE e.id = ANY(s.event_ids)) t) r ON true
 ORDER BY b.seal_id;
`;
}
