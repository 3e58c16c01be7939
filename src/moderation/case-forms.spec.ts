import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EN } from '../common/i18n/en';
import { ZH_CN } from '../common/i18n/zh-CN';
import { registerViewHelpers } from '../common/views';
import { COMPLAINT_STATES, COMPLAINT_TRANSITIONS } from '../complaints/complaint-state';
import type { ComplaintState, Edge, EdgeNeed, StaffAction } from '../complaints/complaint-state';
import type { Locale } from '../complaints/legal-basis';
import { offeredActions } from './case.service';
import type { CaseAction } from './case.service';
import { actionForms, EMPTY_FORM, mapTransitionForm } from './case-forms';
import type { TypedForm } from './case-forms';
import { NEEDS } from './edge-needs';
import { BASIS_STATEMENT } from '../complaints/decision-ground';
import type { NeedContext } from './edge-needs';

const PARTIALS = join(__dirname, '..', '..', 'templates', 'partials');

/** The page's engine for the actions aside: the real helpers and partials (hbs names `a-b.hbs` `a_b`). */
function engine(): typeof Handlebars {
  const hb = Handlebars.create();
  registerViewHelpers({ registerHelper: (name, fn) => hb.registerHelper(name, fn as Handlebars.HelperDelegate) });
  for (const file of readdirSync(PARTIALS).filter((f) => f.endsWith('.hbs')))
    hb.registerPartial(file.slice(0, -4).replace(/-/g, '_'), readFileSync(join(PARTIALS, file), 'utf8'));
  return hb;
}
const hb = engine();
const aside = hb.compile('{{#each actionForms}}{{> case_action}}{{/each}}');

const ITEMS = [
  { position: 0, kind: 'image', articleTitle: 'Harbour forum' },
  { position: 1, kind: 'article', articleTitle: 'Tide tables' },
];
const CTX: NeedContext = {
  items: ITEMS,
  proposedRemedies: [
    { item: 0, remedy: 'remove_image', text: 'Photo removed' },
    { item: 1, remedy: 'add_correction' },
  ],
  duplicateCandidates: ['ND-2026-000100'],
  ground: BASIS_STATEMENT['cn-copyright'],
};

/** A viewer and a case row on which every person guard of `edge` passes. */
function viewerFor(edge: Edge) {
  const role = edge.roles.includes('moderator') && !edge.guards?.includes('second_person') ? 'moderator' : 'admin';
  return {
    viewer: { id: 'me', role } as const,
    row: { assignee_id: 'me', escalated_by: 'someone-else', prior_warning: true },
  };
}

function render(actions: CaseAction[], opts: { locale?: Locale; form?: TypedForm; errorFields?: string[] } = {}) {
  const locale = opts.locale ?? 'en';
  const forms = actionForms(actions, {
    form: opts.form ?? EMPTY_FORM,
    errorFields: opts.errorFields ?? [],
    locale,
    items: ITEMS,
  });
  return aside({
    locale,
    csrfToken: 'TOKEN-1',
    c: { reference: 'ND-2026-000123', version: 7 },
    replyTemplates: [{ id: 't1', name: 'Standard reasons', body: 'Body <b>' }],
    actionForms: forms,
  });
}

/** The rendered block of one action (a <details> or a bare <form>). */
function block(html: string, kind: string): string {
  const start = html.indexOf(`data-form="${kind}"`);
  expect([kind, start >= 0]).toEqual([kind, true]);
  const from = html.lastIndexOf('<', start);
  const end = html.indexOf(html.startsWith('<details', from) ? '</details>' : '</form>', start);
  return html.slice(from, end);
}

/** The form controls a need's fields post, by field type. */
const controlOf = (name: string, type: string) =>
  type === 'remedies' ? 'name="remedies[0][remedy]"' : `name="${name}"`;

const staffEdges = COMPLAINT_STATES.flatMap((state) =>
  COMPLAINT_TRANSITIONS[state]
    .filter((e) => e.action && !e.unavailable && e.roles.some((r) => r === 'moderator' || r === 'admin'))
    .map((edge) => ({ state, edge })),
);

describe('the case page’s action forms, generated from COMPLAINT_TRANSITIONS', () => {
  it('has a partial and a form mapping for every kind of need', () => {
    for (const need of Object.keys(NEEDS) as EdgeNeed[]) {
      expect([need, existsSync(join(PARTIALS, `need-${need}.hbs`))]).toEqual([need, true]);
      const source = readFileSync(join(PARTIALS, `need-${need}.hbs`), 'utf8');
      expect([need, source.includes(`f.`)]).toEqual([need, true]);
    }
  });

  it.each(staffEdges.map(({ state, edge }) => [`${state} -> ${edge.to} (${edge.action})`, state, edge] as const))(
    '%s: a form with the CSRF token, the version, and a field for each need, labelled in both languages',
    (_name, _state: ComplaintState, edge: Edge) => {
      const { viewer, row } = viewerFor(edge);
      const actions = offeredActions([edge], row, viewer, CTX);
      expect(actions.map((a) => a.kind)).toEqual([edge.action]);
      const [action] = actions;
      const kind = action.kind;
      for (const locale of ['zh-CN', 'en'] as const) {
        const html = block(render(actions, { locale }), kind);
        expect(html).toContain('name="_csrf" value="TOKEN-1"');
        expect(html).toContain('name="version" value="7"');
        expect(html).toContain(`name="to" value="${edge.to}"`);
        expect(html).toContain(`name="kind" value="${kind}"`);
        expect(html).toContain(`data-action="${kind}"`);
        // Every need, required or optional, has its partial and posts its fields.
        for (const need of [...(edge.needs ?? []), ...(edge.optional ?? [])]) {
          expect([kind, need, html.includes(`data-need="${need}"`)]).toEqual([kind, need, true]);
          for (const f of NEEDS[need].fields)
            expect([kind, f.name, html.includes(controlOf(f.name, f.type))]).toEqual([kind, f.name, true]);
        }
        // No dictionary key leaks onto the page.
        expect([kind, locale, /case\.(action|field)\./.test(html)]).toEqual([kind, locale, false]);
      }
      for (const dict of [ZH_CN, EN]) {
        expect([kind, `case.action.${kind}.label` in dict]).toEqual([kind, true]);
        if (action.fields.length) expect([kind, `case.action.${kind}.submit` in dict]).toEqual([kind, true]);
        expect([kind, `case.done.${kind}` in dict]).toEqual([kind, true]);
      }
    },
  );

  it('the API’s list is the page’s: one form per action, one field per listed field, nothing else', () => {
    const edges = COMPLAINT_TRANSITIONS.in_review;
    const actions = offeredActions(edges, { assignee_id: 'me' }, { id: 'me', role: 'moderator' }, CTX);
    const html = render(actions);
    const forms = [...html.matchAll(/data-form="([\w-]+)"/g)].map((m) => m[1]);
    expect(forms.sort()).toEqual(actions.map((a) => a.kind).sort());
    for (const a of actions) {
      const names = new Set([...block(html, a.kind).matchAll(/ name="([\w]+)/g)].map((m) => m[1]));
      for (const k of ['_csrf', 'version', 'to', 'kind']) names.delete(k);
      expect([a.kind, [...names].sort()]).toEqual([a.kind, [...new Set(a.fields.map((f) => f.name))].sort()]);
    }
    // The fields as the API lists them: names, types and what is required.
    expect(actions.find((a) => a.kind === 'request_info')?.fields).toEqual([
      { name: 'missing', need: 'missing', type: 'lines', required: true },
      { name: 'message', need: 'missing', type: 'text', required: false },
    ]);
  });

  it('hides what the person guards refuse: not the assignee, or the proposer of an escalation', () => {
    const other = offeredActions(
      COMPLAINT_TRANSITIONS.in_review,
      { assignee_id: 'x' },
      { id: 'me', role: 'moderator' },
      CTX,
    );
    expect(other).toEqual([]);
    const proposer = offeredActions(
      COMPLAINT_TRANSITIONS.escalated,
      { escalated_by: 'me' },
      { id: 'me', role: 'admin' },
      CTX,
    );
    expect(proposer).toEqual([]);
  });

  it('renders an action declared in a new table without any template or controller change', () => {
    // As a counter-notice helper might declare it: existing need kinds, a new action name.
    const table: Edge[] = [
      {
        to: 'restoration_pending',
        roles: ['moderator', 'admin'],
        action: 'accept_counter_notice' as StaffAction,
        needs: ['reason', 'date'],
        guards: ['assignee', 'reason'],
      },
      { to: 'closed', roles: ['admin'], action: 'end_hold' as StaffAction },
    ];
    const actions = offeredActions(table, { assignee_id: 'me' }, { id: 'me', role: 'admin' }, CTX);
    expect(actions.map((a) => a.kind)).toEqual(['accept_counter_notice', 'end_hold']);
    for (const locale of ['zh-CN', 'en'] as const) {
      const html = render(actions, { locale });
      const form = block(html, 'accept_counter_notice');
      expect(form).toContain('<details');
      expect(form).toContain('name="to" value="restoration_pending"');
      expect(form).toContain('name="reason"');
      expect(form).toContain('type="date"');
      expect(form).toContain('name="date"');
      expect(form).toContain('data-action="accept_counter_notice"');
      expect(form).toContain(locale === 'en' ? '>Reasons<' : '>理由<');
      // Without any field: one button.
      const bare = block(html, 'end_hold');
      expect(bare).toContain('data-action="end_hold"');
      expect(bare).not.toContain('<details');
    }
    // The posted form maps by need, whatever the action.
    const { raw } = mapTransitionForm({
      kind: 'accept_counter_notice',
      to: 'restoration_pending',
      version: '4',
      reason: '  Valid counter-notice. ',
      date: '2026-12-31',
    });
    expect(raw).toEqual({
      to: 'restoration_pending',
      version: '4',
      reason: 'Valid counter-notice.',
      date: '2026-12-31',
    });
  });

  it('maps each need’s posted fields to the transition body, and keeps what was typed', () => {
    const { raw, form } = mapTransitionForm({
      kind: 'request_info',
      to: 'needs_info',
      version: '2',
      missing: 'Original file\r\n\r\n  First publication  ',
      message: ' Please ',
      remedies: { '1': { remedy: 'add_correction', text: ' Fixed ' }, '0': { remedy: '', text: '' } },
      duplicateOf: ' ND-2026-000100 ',
      reason: '   ',
    });
    expect(raw).toEqual({
      to: 'needs_info',
      version: '2',
      action: 'request_info',
      missing: ['Original file', 'First publication'],
      message: 'Please',
      remedies: [{ item: 1, remedy: 'add_correction', text: 'Fixed' }],
      duplicateOf: 'ND-2026-000100',
    });
    expect(form.kind).toBe('request_info');
    expect(form.values).toMatchObject({
      reason: '   ',
      missing: 'Original file\r\n\r\n  First publication  ',
      remedies: [
        { remedy: '', text: '' },
        { remedy: 'add_correction', text: 'Fixed' },
      ],
    });
    // A field not posted is not sent (approve without remedies: as proposed).
    expect(mapTransitionForm({ kind: 'approve', to: 'actioned', version: '3' }).raw).toEqual({
      to: 'actioned',
      version: '3',
      action: 'approve',
    });
    expect(mapTransitionForm({ kind: 'nonsense' }).form.kind).toBeNull();
  });

  it('reopens the failed form with its fields marked and the typed values kept (escaped); others stay clean', () => {
    const edges = COMPLAINT_TRANSITIONS.in_review;
    const actions = offeredActions(edges, { assignee_id: 'me' }, { id: 'me', role: 'moderator' }, CTX);
    const { form } = mapTransitionForm({
      kind: 'uphold',
      reason: 'Because <script>x</script>',
      remedies: { '0': { remedy: 'remove_image', text: '' }, '1': { remedy: '', text: 'note' } },
    });
    const html = render(actions, { form, errorFields: ['remedies'] });
    const uphold = block(html, 'uphold');
    expect(uphold).toMatch(/<details[^>]*data-form="uphold" open>/);
    expect(uphold).toContain('case-remedies has-error');
    expect(uphold).toContain('Because &lt;script&gt;x&lt;/script&gt;');
    expect(uphold).toMatch(/<option value="remove_image" selected>/);
    expect(uphold).toContain('value="note"');
    expect(uphold).not.toContain('<script>');
    const reject = block(html, 'reject');
    expect(reject).not.toMatch(/data-form="reject" open/);
    expect(reject).not.toContain('has-error');
    expect(reject).toContain('<textarea class="input input--area case-textarea" id="reject-reason" name="reason"');
    // The reply templates picker sits by each reasons field.
    expect(reject).toContain('id="reject-reason-tpl" data-target="reject-reason"');
  });

  it('offers remedies as the guards allow: uphold no whole article; approve the proposal or less, preselected', () => {
    const inReview = offeredActions(
      COMPLAINT_TRANSITIONS.in_review,
      { assignee_id: 'me' },
      { id: 'me', role: 'moderator' },
      CTX,
    );
    const choices = (kind: string) =>
      inReview.find((a) => a.kind === kind)?.fields.find((f) => f.name === 'remedies')?.choices;
    expect(choices('uphold')?.[0].remedies).not.toContain('remove_article');
    expect(choices('uphold')?.[1].remedies).not.toContain('remove_image');
    expect(choices('escalate')?.[1].remedies).toContain('remove_article');
    const [approve] = offeredActions(
      COMPLAINT_TRANSITIONS.escalated.filter((e) => e.action === 'approve'),
      { escalated_by: 'other' },
      { id: 'me', role: 'admin' },
      CTX,
    );
    expect(approve.needs).toEqual([]);
    expect(approve.optional).toEqual(['remedies', 'reason', 'ground']);
    expect(approve.fields.every((f) => !f.required)).toBe(true);
    const rows = approve.fields[0].choices ?? [];
    expect(rows[0]).toMatchObject({ proposed: { remedy: 'remove_image', text: 'Photo removed' } });
    expect(rows[1].remedies).toEqual(['add_correction', 'no_action']);
    const html = block(render([approve]), 'approve');
    expect(html).toMatch(/<details[^>]*data-form="approve" open>/);
    expect(html).toMatch(/<option value="remove_image" selected>[^<]*\(proposed\)/);
    expect(html).toContain('value="Photo removed"');
    expect(html).toMatch(/New reasons[^<]*<span class="muted small">\(optional\)/);
  });

  it('a duplicate with no candidate to join has no submit button', () => {
    const edges = COMPLAINT_TRANSITIONS.received;
    const none = offeredActions(edges, {}, { id: 'me', role: 'moderator' }, { ...CTX, duplicateCandidates: [] });
    const html = block(render(none), 'mark_duplicate');
    expect(html).toContain('data-duplicate-none');
    expect(html).not.toContain('data-action="mark_duplicate"');
    const some = block(render(offeredActions(edges, {}, { id: 'me', role: 'moderator' }, CTX)), 'mark_duplicate');
    expect(some).toContain('id="mark_duplicate-of"');
    expect(some).toContain('data-action="mark_duplicate"');
  });
});
