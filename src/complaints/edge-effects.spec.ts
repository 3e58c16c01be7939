import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { WorkingDayCalendar } from '../calendar/working-day-calendar';
import type { WorkingDays } from '../calendar/working-days.service';
import type { RemediesService } from '../articles/remedies.service';
import type { AppConfig } from '../config/config';
import type { MailOutbox } from '../mail/mail-outbox';
import { MAIL_TEMPLATES_DIR } from '../mail/mail-renderer';
import { MAIL_TEMPLATES } from '../mail/mail-templates';
import type { CaseTimerRepository } from './case-timer.repository';
import type { CaseRow, EdgeContext } from './complaint-guards';
import { GUARDS, RECORDS } from './complaint-guards';
import { CASE_TIMERS, CASE_TIMER_KINDS, COMPLAINT_STATES, COMPLAINT_TRANSITIONS } from './complaint-state';
import type { ComplaintState, Edge, EdgeEffect } from './complaint-state';
import { EdgeEffects } from './edge-effects';

const COMPLAINANT = 'pat@example.test';
const OWNERS = ['desk-a@news.example', 'desk-b@news.example'];
const STAFF_EMAIL = 'mod@desk.example';
/** The counter-notice of owner A, as pending_counter_notice loads it. */
const COUNTER_NOTICE = {
  id: 'cn1',
  owner_email: 'desk-a@news.example',
  legal_basis: 'cn-copyright',
  fields: { name: 'Desk A', statement: 'Ours.', items: [0], locale: 'en' },
  file_ids: ['f1'],
  created_at: new Date('2026-11-19T00:00:00Z'),
};

/** Everything EdgeEffects did, each as the declaration it should match ("mail:owner-notice>content_owners"). */
function recorder() {
  const done: string[] = [];
  const unknown: string[] = [];
  const recipient = (to: string) =>
    to === COMPLAINANT ? 'complainant' : OWNERS.includes(to) ? 'content_owners' : to === STAFF_EMAIL ? 'assignee' : to;
  // A mail to one owner only (the one who filed the counter-notice) is declared to `counter_notifier`.
  const single = new Set([
    'counter-notice-incomplete',
    'counter-notice-invalid',
    'restoration-scheduled',
    'litigation-hold',
    'litigation-ended',
    'case-restored',
  ]);
  const mail = {
    send: (_tx: unknown, template: string, to: string, _locale: string, payload: Record<string, unknown>) => {
      // The mail module's rule, checked here too: a decision mail states its reasons.
      if (['complaint-actioned', 'complaint-rejected', 'owner-notice'].includes(template))
        expect(payload.reason).toBeTruthy();
      const who = recipient(to);
      done.push(`mail:${template}>${single.has(template) && who === 'content_owners' ? 'counter_notifier' : who}`);
      return Promise.resolve({ id: 'm', messageId: '<m@x>' });
    },
  } as unknown as MailOutbox;
  const remedies = {
    apply: () => {
      done.push('remedies:apply');
      return Promise.resolve([]);
    },
    reverse: () => {
      done.push('remedies:reverse');
      return Promise.resolve([]);
    },
  } as unknown as RemediesService;
  const timers = {
    schedule: (_tx: unknown, _id: string, kind: string) => {
      done.push(`timer:schedule:${kind}`);
      return Promise.resolve();
    },
    cancel: (_tx: unknown, _id: string, kind: string) => {
      done.push(`timer:cancel:${kind}`);
      return Promise.resolve(true);
    },
  } as unknown as CaseTimerRepository;
  const audit = {
    append: (_tx: unknown, e: { action: string }) => {
      const records: Record<string, string> = {
        'complaint.answered': 'record:answer',
        'complaint.appealed': 'record:appeal',
        'complaint.appeal_decided': 'record:appeal_decision',
        'counter_notice.filed': 'record:counter_notice',
        'counter_notice.decided': 'record:counter_notice_decision',
        'complaint.restoration_scheduled': 'record:restoration_date',
        'litigation_proof.accepted': 'record:litigation_decision',
      };
      if (records[e.action]) done.push(records[e.action]);
      else if (e.action === 'complaint.remedies_reversed' && done.at(-1) === 'remedies:reverse')
        return Promise.resolve();
      else unknown.push(`audit ${e.action}`);
      return Promise.resolve();
    },
  } as unknown as AuditService;
  // Statements are sorted to the effect they belong to; any other write fails the walk.
  const tx = {
    query: (sql: string) => {
      const s = sql.replace(/\s+/g, ' ').trim();
      if (/^SELECT email, display_name AS "displayName", locale FROM staff_user/.test(s))
        return Promise.resolve([{ email: STAFF_EMAIL, displayName: 'Mod', locale: 'zh-CN' }]);
      if (/^UPDATE complaint_item SET remedy/.test(s)) {
        if (!done.includes('remedies:apply')) unknown.push('complaint_item update without remedies');
        return Promise.resolve([]);
      }
      // Appeals: the appeal row (record:appeal, record:appeal_decision) and what the mails read.
      if (/^INSERT INTO appeal /.test(s)) return Promise.resolve([]);
      if (/^UPDATE appeal SET decided_by/.test(s)) return Promise.resolve([{ id: 'ap1', party: 'complainant' }]);
      if (/^SELECT (party|id) FROM appeal WHERE complaint_id/.test(s)) return Promise.resolve([]);
      // The remedies standing before an apply: none, so an apply applies everything decided.
      if (/^SELECT position, remedy FROM complaint_item/.test(s)) return Promise.resolve([]);
      // Each item's remedy after the edge (mails): both items touched, so every owner is told.
      if (/^SELECT i\.position, i\.remedy, i\.remedy_applied_at/.test(s))
        return Promise.resolve([
          { position: 0, remedy: 'remove_image', applied: true, standing: true },
          { position: 1, remedy: 'add_correction', applied: true, standing: true },
        ]);
      if (/^SELECT i\.kind, i\.remedy/.test(s)) return Promise.resolve([]);
      if (/^INSERT INTO (evidence_file|complaint_response|counter_notice)/.test(s))
        return Promise.resolve([{ id: 'f1' }]);
      // The counter-notice records' own writes (each also appends the audit event counted above).
      if (/^UPDATE (counter_notice|litigation_proof) SET/.test(s)) return Promise.resolve([]);
      if (/^UPDATE complaint SET restoration_due_at/.test(s)) return Promise.resolve([]);
      // Two-party mails read the owner of the case's valid counter-notice, and restoration the items it reversed.
      if (/^SELECT id, owner_email, legal_basis, fields, file_ids, created_at FROM counter_notice/.test(s))
        return Promise.resolve([COUNTER_NOTICE]);
      if (/^SELECT array_agg\(position ORDER BY position\) AS positions FROM complaint_item/.test(s))
        return Promise.resolve([{ positions: [0] }]);
      unknown.push(s);
      return Promise.resolve([]);
    },
  } as unknown as EntityManager;
  const config = {
    publicBaseUrl: 'https://desk.example',
    contactEmail: STAFF_EMAIL,
    sla: { needsInfo: { amount: 10, unit: 'working_days' } },
    appeals: { months: 6, withdrawnCloseDays: 14 },
    restoration: { cnCopyrightWorkingDays: 0, personalRightsDays: 15, dmcaBusinessDays: 10 },
  } as AppConfig;
  const workingDays = {
    calendar: (region: 'cn' | 'us') => Promise.resolve(new WorkingDayCalendar(region)),
  } as unknown as WorkingDays;
  return { effects: new EdgeEffects(mail, remedies, timers, audit, config, workingDays), tx, done, unknown };
}

function fixture(tx: EntityManager, from: ComplaintState, edge: Edge): EdgeContext {
  const item = (position: number, owner: string) => ({
    id: `i${position}`,
    position,
    kind: position === 0 ? 'image' : 'passage',
    article_id: `a${position}`,
    image_id: position === 0 ? 'img' : null,
    detail: position === 0 ? 'img' : 'a passage',
    title: `Article ${position}`,
    url: `https://news.example/${position}`,
    owner_name: 'Desk',
    owner_email: owner,
    owner_locale: 'zh-CN' as const,
  });
  const c: CaseRow = {
    id: 'c1',
    reference: 'ND-2026-000001',
    state: from,
    version: 3,
    legal_basis: 'cn-copyright',
    locale: 'en',
    complainant: { name: 'Pat', email: COMPLAINANT },
    assignee_id: 's1',
    escalated_by: 's2',
    decided_by: null,
    decision_reason: 'Proposed reasons',
    decision_ground: null,
    decision_category: null,
    decision_legal_ground: null,
    decision_ground_explanation: null,
    proposed_remedies: [
      { item: 0, remedy: 'remove_image' },
      { item: 1, remedy: 'add_correction' },
    ],
    info_request: { missing: ['proof'], requestedAt: '2026-11-01T00:00:00Z' },
    items: [item(0, OWNERS[0]), item(1, OWNERS[1])],
  };
  return {
    tx,
    c,
    actor: { role: edge.roles.includes('system') ? 'system' : (edge.roles[0] ?? 'admin'), id: 's3' },
    now: new Date('2026-11-20T00:00:00Z'),
    audit: {},
    dueAt: new Date('2026-12-04T00:00:00Z'),
    missing: ['proof of ownership'],
    remedies: c.proposed_remedies ?? [],
    counterNoticeRow: COUNTER_NOTICE,
    litigationProof: { id: 'lp1', body: 'Filed.', file_ids: ['f2'] },
    input: {
      action: edge.action,
      counterNotice: {
        ownerEmail: OWNERS[0],
        locale: 'en',
        items: [0],
        fields: { name: 'Desk A', statement: 'Ours.' },
        files: [
          {
            purpose: 'evidence' as const,
            originalName: 'p.pdf',
            contentType: 'application/pdf',
            sizeBytes: 3,
            sha256: 'y',
            storageKey: 'k2',
          },
        ],
      },
      reference: c.reference,
      to: edge.to,
      version: 3,
      reason: 'Because.',
      missing: ['proof of ownership'],
      remedies: c.proposed_remedies ?? [],
      duplicateOf: 'ND-2026-000000',
      appeal: { party: 'complainant', ownerEmail: null, text: 'The decision is wrong.', files: [] },
      answer: {
        text: 'Here it is',
        files: [
          {
            purpose: 'evidence' as const,
            originalName: 'a.pdf',
            contentType: 'application/pdf',
            sizeBytes: 3,
            sha256: 'x',
            storageKey: 'k',
          },
        ],
      },
    },
  } as unknown as EdgeContext;
}

const describeEffect = (e: EdgeEffect): string =>
  e.kind === 'mail'
    ? `mail:${e.template}>${e.to}`
    : e.kind === 'remedies'
      ? `remedies:${e.op}`
      : e.kind === 'timer'
        ? `timer:${e.op}:${e.timer}`
        : `record:${e.what}`;

const EDGES = COMPLAINT_STATES.flatMap((from) => COMPLAINT_TRANSITIONS[from].map((edge) => [from, edge] as const));

describe('every edge does exactly what it declares', () => {
  it.each(EDGES.map(([from, edge]) => [`${from} -> ${edge.to}`, from, edge] as const))(
    '%s: each side effect performed is declared, and each declared one is performed',
    async (_name, from, edge) => {
      const r = recorder();
      await r.effects.run(edge, fixture(r.tx, from, edge));
      const declared = (edge.effects ?? []).map(describeEffect);
      expect(r.unknown).toEqual([]);
      expect([...new Set(r.done)].sort()).toEqual([...new Set(declared)].sort());
    },
  );

  it('declares only guards and records that exist, and mail templates the mail module types and renders in both languages', () => {
    for (const [, edge] of EDGES) {
      for (const g of edge.guards ?? []) expect(GUARDS[g]).toBeInstanceOf(Function);
      for (const rec of edge.records ?? []) expect(RECORDS[rec]).toBeInstanceOf(Function);
      for (const e of edge.effects ?? []) {
        if (e.kind !== 'mail') continue;
        expect(MAIL_TEMPLATES).toContain(e.template);
        for (const locale of ['zh-CN', 'en'])
          for (const part of ['subject', 'html', 'text'])
            expect(existsSync(join(MAIL_TEMPLATES_DIR, e.template, `${locale}.${part}.hbs`))).toBe(true);
      }
    }
  });

  /**
   * The timer rule, for every CASE_TIMERS entry (`while` is a list of states):
   *   - every edge INTO one of its states schedules it, from another of them too (a new decision
   *     or a withdrawal restarts the window: the schedule moves the pending timer);
   *   - every edge OUT of its states to a state outside the list cancels it, except the edge to
   *     `fires` (the timer's own edge, which the timer ends itself);
   *   - from each of its states, the edge to `fires` is the system's alone, guarded by timer_due.
   * So an edge added entering or leaving actioned / rejected / restored / withdrawn (counter-notice,
   * restoration, litigation hold) declares `timer:schedule:appeal_window_end` or `...cancel...`.
   */
  it('a timer is scheduled on every edge into its states, cancelled on every way out of them, and fires its own system edge', () => {
    for (const kind of CASE_TIMER_KINDS) {
      const spec = CASE_TIMERS[kind];
      const during = spec.while as readonly ComplaintState[];
      const has = (edge: Edge, op: string) =>
        (edge.effects ?? []).some((e) => e.kind === 'timer' && e.op === op && e.timer === kind);
      for (const [from, edge] of EDGES) {
        const name = `${from} -> ${edge.to}`;
        if (during.includes(edge.to) && from !== edge.to)
          expect({ edge: name, schedules: has(edge, 'schedule') }).toEqual({ edge: name, schedules: true });
        if (during.includes(from) && !during.includes(edge.to) && edge.to !== spec.fires)
          expect({ edge: name, cancels: has(edge, 'cancel') }).toEqual({ edge: name, cancels: true });
      }
      for (const state of during) {
        const fired = COMPLAINT_TRANSITIONS[state].find((e) => e.to === spec.fires);
        expect({ state, roles: fired?.roles }).toEqual({ state, roles: ['system'] });
        expect(fired?.guards).toContain('timer_due');
      }
    }
  });

  it('every decision states reasons and every staff edge with a form checks who may act', () => {
    for (const [from, edge] of EDGES) {
      if ((edge.records ?? []).includes('decision'))
        expect(edge.guards?.some((g) => g === 'reason' || g === 'within_proposal')).toBe(true);
      // not_process is admin-only and needs a prior warning (the misuse procedure) instead.
      if (edge.action && !['claim', 'mark_duplicate', 'not_process'].includes(edge.action))
        expect(edge.guards?.some((g) => g === 'assignee' || g === 'second_person' || g === 'other_decider')).toBe(true);
      if (edge.action === 'not_process') {
        expect(edge.roles).toEqual(['admin']);
        expect(edge.guards).toEqual(['reason', 'prior_warning']);
      }
      // An appeal decision checks first that its taker took no part in the decision appealed.
      if (from === 'appeal_review') expect(edge.guards?.[0]).toBe('other_decider');
      if (from === 'escalated' && edge.action) expect(edge.guards?.[0]).toBe('second_person');
    }
  });
});
