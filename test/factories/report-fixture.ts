import { DataSource } from 'typeorm';
import { MILESTONE_BACKFILL_SQL } from '../../migrations/1766000000000-ReportMilestones';
import type { TokenStaff } from '../helpers/staff';
import { ITEM_COUNT_BACKFILL_SQL } from '../../migrations/1766810000000-ComplaintItemCounts';

/** Beijing wall-clock time in March 2021 ('DD HH:MM') unless a full ISO time is given. */
export const bj = (s: string) => (s.length <= 11 ? `2021-03-${s.slice(0, 2)}T${s.slice(3)}:00+08:00` : s);

/**
 * The period reports' fixture, whose figures are worked out by hand in report-figures.e2e-spec.ts:
 * eight cases (A–F received in March 2021, G in February, H in April) with their audit events,
 * appeals, receipt mails, counter-notices, litigation proofs and missed due times at set times,
 * and the milestones filled from those events by the migration's backfill. March 2021 has no
 * public holiday in China or the US, so its working days are its weekdays. Returns the case ids
 * by letter (references FIG-A … FIG-H).
 */
export async function loadReportFixture(
  db: DataSource,
  staff: { admin: TokenStaff; mod1: TokenStaff; mod2: TokenStaff },
): Promise<Record<string, string>> {
  const { admin, mod1, mod2 } = staff;
  const ids: Record<string, string> = {};
  const [article] = await db.query<Array<{ id: string; url: string }>>(
    `SELECT id, url FROM article ORDER BY slug LIMIT 1`,
  );

  // name, basis, channel, received (Beijing), final state, assignee, decider, items [kind, remedy]
  const cases: Array<
    [string, string, string, string, string, string | null, string | null, Array<[string, string | null]>]
  > = [
    ['A', 'cn-copyright', 'form', bj('01 09:00'), 'actioned', mod1.id, mod1.id, [['article', 'remove_article']]],
    [
      'B',
      'accuracy',
      'api',
      bj('02 10:00'),
      'rejected',
      null,
      mod2.id,
      [
        ['passage', null],
        ['image', null],
      ],
    ],
    ['C', 'us-dmca', 'api', bj('05 10:00'), 'restored', mod1.id, mod1.id, [['article', 'add_correction']]],
    ['D', 'cn-personal-rights', 'mail', bj('08 09:00'), 'actioned', null, null, [['image', 'remove_image']]],
    ['E', 'cn-copyright', 'form', bj('09 09:00'), 'withdrawn', null, null, [['article', null]]],
    ['F', 'cn-copyright', 'form', bj('09 10:00'), 'duplicate', null, null, [['article', null]]],
    ['G', 'eu-dsa', 'form', '2021-02-26T05:00:00+08:00', 'actioned', null, mod2.id, [['passage', 'edit_passage']]],
    ['H', 'accuracy', 'form', '2021-04-01T09:00:00+08:00', 'received', null, null, [['article', null]]],
  ];
  for (const [name, basis, , received, state, assignee, decider, items] of cases) {
    const [row] = await db.query<Array<{ id: string }>>(
      `INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email, explanation, declarations,
                              tracking_token_hash, article_title, received_at, assignee_id, decided_by)
       VALUES ($1, $2, $3, 'zh-CN', '{"name":"Fixture"}', 'fixture@example.test', 'figures spec', '{}', $4, 'Fixture',
               $5, $6, $7) RETURNING id`,
      [`FIG-${name}`, state, basis, `figures-${name}`, received, assignee, decider],
    );
    ids[name] = row.id;
    for (const [i, [kind, remedy]] of items.entries())
      await db.query(
        `INSERT INTO complaint_item (complaint_id, position, kind, article_id, article_url, remedy, remedy_applied_at)
         VALUES ($1, $2, $3, $4, $5, $6::text, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END)`,
        [row.id, i + 1, kind, article.id, article.url, remedy],
      );
  }
  // The intake statement counts a complaint's items by kind on the case as it inserts them; here, as the migration does.
  await db.query(ITEM_COUNT_BACKFILL_SQL);
  const event = (
    c: string,
    at: string,
    actor: string | TokenStaff,
    from: string,
    to: string,
  ): [string, string, string, string | null, string, string] => [
    ids[c],
    bj(at),
    typeof actor === 'string' ? actor : actor === admin ? 'admin' : 'moderator',
    typeof actor === 'string' ? null : actor.id,
    from,
    to,
  ];
  const received = cases.map(([name, , channel, at, state]) => ({
    id: ids[name],
    at,
    payload: { channel, state: state === 'duplicate' ? 'duplicate' : 'received' },
  }));
  await db.query(
    `INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload, occurred_at)
     SELECT 'complainant', 'complaint.received', 'complaint', x.id, x.payload, x.at::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, at text, payload jsonb)`,
    [JSON.stringify(received)],
  );
  const transitions = [
    event('G', '2021-02-26T10:00:00+08:00', mod2, 'received', 'in_review'),
    event('A', '01 11:00', mod1, 'received', 'in_review'),
    event('A', '02 09:00', mod1, 'in_review', 'actioned'),
    event('G', '02 09:00', mod2, 'in_review', 'actioned'),
    event('B', '02 14:00', mod2, 'received', 'in_review'),
    event('B', '05 10:00', mod2, 'in_review', 'rejected'),
    event('C', '05 16:00', mod1, 'received', 'in_review'),
    event('B', '06 10:00', 'complainant', 'rejected', 'appeal_review'),
    event('C', '08 10:00', mod1, 'in_review', 'actioned'),
    event('D', '08 17:00', mod2, 'received', 'in_review'),
    event('D', '09 19:00', mod2, 'in_review', 'rejected'),
    event('D', '10 09:00', 'complainant', 'rejected', 'appeal_review'),
    event('E', '10 09:00', 'complainant', 'received', 'withdrawn'),
    event('C', '10 12:00', 'content_owner', 'actioned', 'counter_notice_review'),
    event('C', '11 12:00', mod1, 'counter_notice_review', 'restoration_pending'),
    event('D', '12 10:00', admin, 'appeal_review', 'actioned'),
    event('B', '13 10:00', admin, 'appeal_review', 'rejected'),
    event('C', '20 10:00', 'system', 'restoration_pending', 'restored'),
  ];
  await db.query(
    `INSERT INTO audit_event (actor_type, actor_id, action, subject_type, subject_id, payload, occurred_at)
     SELECT x.actor_type, x.actor_id, 'complaint.transition', 'complaint', x.id, jsonb_build_object('from', x."from", 'to', x."to"),
            x.at::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, at text, actor_type text, actor_id text, "from" text, "to" text)`,
    [
      JSON.stringify(
        transitions.map(([id, at, actorType, actorId, from, to]) => ({
          id,
          at,
          actor_type: actorType,
          actor_id: actorId,
          from,
          to,
        })),
      ),
    ],
  );
  // The appeals as the appeal table holds them (what each appealed).
  await db.query(
    `INSERT INTO appeal (complaint_id, party, body, appealed_state, filed_at, decided_at, decided_by, outcome)
     VALUES ($1, 'complainant', 'appeal B', 'rejected', $3, $4, $7, 'rejected'),
            ($2, 'complainant', 'appeal D', 'rejected', $5, $6, $7, 'actioned')`,
    [ids.B, ids.D, bj('06 10:00'), bj('13 10:00'), bj('10 09:00'), bj('12 10:00'), admin.id],
  );
  // Receipt mails sent 6, 12 and 30 minutes after receipt (A, B, C).
  for (const [c, minutes] of [
    ['A', 6],
    ['B', 12],
    ['C', 30],
  ] as const)
    await db.query(
      `INSERT INTO mail_job (template, locale, to_address, message_id, payload, complaint_id, state, sent_at, created_at)
       SELECT 'complaint-receipt', 'zh-CN', 'fixture@example.test', $2, '{}', c.id, 'sent', c.received_at + make_interval(mins => $3),
              c.received_at
         FROM complaint c WHERE c.id = $1`,
      [ids[c], `<figures-${c}@example.test>`, minutes],
    );
  await db.query(
    `INSERT INTO counter_notice (complaint_id, legal_basis, owner_email, fields, status, created_at, decided_at)
     VALUES ($1, 'us-dmca', 'o@example.test', '{}', 'valid', $3, $4),
            ($2, 'cn-copyright', 'o@example.test', '{}', 'invalid', $5, $6),
            ($7, 'eu-dsa', 'o@example.test', '{}', 'pending', '2021-04-02T10:00:00+08:00', NULL)`,
    [ids.C, ids.A, bj('10 12:00'), bj('11 12:00'), bj('03 10:00'), bj('04 10:00'), ids.G],
  );
  await db.query(
    `INSERT INTO litigation_proof (complaint_id, body, status, created_at, decided_at)
     VALUES ($1, 'suit filed', 'accepted', $3, $4), ($2, 'no suit', 'refused', $3, $5)`,
    [ids.A, ids.B, bj('14 10:00'), bj('15 10:00'), bj('16 10:00')],
  );
  await db.query(
    `INSERT INTO sla_breach (complaint_id, due_at, state)
     VALUES ($1, $5, 'in_review'), ($1, $6, 'in_review'), ($2, $7, 'in_review'), ($3, $8, 'received'),
            ($4, '2021-04-05T10:00:00+08:00', 'received')`,
    [ids.A, ids.B, ids.D, ids.H, bj('01 20:00'), bj('01 22:00'), bj('03 10:00'), bj('08 20:00')],
  );
  await db.query(MILESTONE_BACKFILL_SQL);
  return ids;
}
