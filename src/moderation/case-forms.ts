import { translate } from '../common/i18n';
import { COMPLAINT_TRANSITIONS, STAFF_ACTIONS } from '../complaints/complaint-state';
import type { EdgeGuard, EdgeNeed, StaffAction } from '../complaints/complaint-state';
import type { Locale } from '../complaints/legal-basis';
import type { CaseAction } from './case.service';
import { NEEDS, firstString } from './edge-needs';
import type { ActionField } from './edge-needs';

/**
 * The case page's action forms, generated from CaseService's `actions` (the same list
 * GET /api/v1/complaints/:ref returns): one form per action, one need partial per need
 * (templates/partials/need-<need>.hbs), labels from the dictionaries by action name:
 *
 *   case.action.<action>.label           the summary (or the button of a form without fields)
 *   case.action.<action>.submit          the submit button of a form with fields
 *   case.action.<action>.hint            optional, under the summary
 *   case.action.<action>.<field>         optional, this action's label for a field ...
 *   case.action.<action>.<field>.hint    ... and its hint
 *   case.field.<field>, case.field.<field>.hint   the default label and hint of a field
 *   case.done.<action>                   the banner after it went through (else case.done.transition)
 *
 * Posted forms come back through mapTransitionForm, need by need (edge-needs.ts): no per-action code.
 */

export type Tone = 'primary' | 'secondary' | 'danger' | 'quiet';

/**
 * How the page presents some actions; an action not listed is a secondary form. Forms show
 * primary first, then secondary, danger and quiet, each in declaration order; `open` shows the
 * form unfolded.
 */
export const ACTION_LOOK: Partial<Record<StaffAction, { tone?: Tone; open?: boolean }>> = {
  claim: { tone: 'primary' },
  uphold: { tone: 'primary' },
  approve: { tone: 'primary', open: true },
  reject: { tone: 'danger' },
  release: { tone: 'quiet' },
  not_process: { tone: 'danger' },
};
const TONE_ORDER: readonly Tone[] = ['primary', 'secondary', 'danger', 'quiet'];

/** What the person typed, kept when the page comes back with an error. `values` by transition field. */
export interface TypedForm {
  kind: StaffAction | 'note' | null;
  values: Record<string, unknown>;
  note: string;
}

export const EMPTY_FORM: TypedForm = { kind: null, values: {}, note: '' };

export const isStaffAction = (v: string): v is StaffAction => (STAFF_ACTIONS as readonly string[]).includes(v);

/**
 * The posted form → the JSON body TransitionDto validates, and what was typed. `kind` names the
 * action (for the page only: the service decides by `to`); every need's fields are read by its
 * own mapping in NEEDS, so a new action needs nothing here.
 */
export function mapTransitionForm(body: unknown): { raw: Record<string, unknown>; form: TypedForm } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const kindRaw = firstString(b.kind);
  const raw: Record<string, unknown> = { to: firstString(b.to), version: firstString(b.version) };
  const values: Record<string, unknown> = {};
  for (const need of Object.keys(NEEDS) as EdgeNeed[]) {
    const read = NEEDS[need].fromForm(b);
    Object.assign(raw, read.raw);
    Object.assign(values, read.typed);
  }
  const note = firstString(b.note);
  if (note.trim()) raw.note = note.trim();
  // The posted form's action picks the edge where two lead to the same state (counter-notice incomplete / invalid).
  if (isStaffAction(kindRaw)) raw.action = kindRaw;
  return { raw, form: { kind: isStaffAction(kindRaw) ? kindRaw : null, values, note: '' } };
}

/** The guards any edge of this action declares (for explaining a refusal). */
export function guardsOfAction(kind: string | null): Set<EdgeGuard> {
  const guards = new Set<EdgeGuard>();
  for (const edges of Object.values(COMPLAINT_TRANSITIONS))
    for (const e of edges) if (e.action && e.action === kind) for (const g of e.guards ?? []) guards.add(g);
  return guards;
}

export interface FieldView {
  id: string;
  name: string;
  label: string;
  hint: string | null;
  value: unknown;
  invalid: boolean;
  required: boolean;
  /** choice: the options (labels `case.choice.<field>.<value>`, else the value), the current one selected. */
  options?: Array<{ value: string; label: string; selected: boolean }>;
}

export interface NeedView {
  /** The partial to render: need_<need> (templates/partials/need-<need>.hbs). */
  partial: string;
  need: EdgeNeed;
  kind: StaffAction;
  required: boolean;
  invalid: boolean;
  f: Record<string, FieldView>;
  /** remedies: one row per item. */
  rows?: Array<{
    position: number;
    number: number;
    kind: string;
    articleTitle: string;
    id: string;
    options: Array<{ value: string; selected: boolean; proposed: boolean }>;
    text: string;
  }>;
  /** duplicateOf: the references it may name. */
  candidates?: string[];
  /** Nothing can be given for this need now (no candidate, no item): the form has no submit. */
  blocked: boolean;
}

export interface ActionFormView {
  kind: StaffAction;
  to: string;
  tone: Tone;
  /** No fields: a single button. */
  bare: boolean;
  open: boolean;
  label: string;
  hint: string | null;
  submit: string;
  blocked: boolean;
  needs: NeedView[];
  formClass: string;
  buttonClass: string;
}

export interface FormContext {
  form: TypedForm;
  /** Fields the error named (transition body names), marked on the posted form only. */
  errorFields: readonly string[];
  locale: Locale;
  items: ReadonlyArray<{ position: number; kind: string; articleTitle: string }>;
  /** Values a form starts with when it was not the one posted (e.g. a barred re-notice's rejection reasons). */
  prefill?: Partial<Record<string, Record<string, string>>>;
}

/** The forms of `actions`, in presentation order. */
export function actionForms(actions: readonly CaseAction[], ctx: FormContext): ActionFormView[] {
  const text = (...keys: string[]): string | null => {
    for (const key of keys) {
      const t = translate(ctx.locale, key);
      if (t !== key) return t;
    }
    return null;
  };
  const forms = actions.map((a): ActionFormView => {
    const look = ACTION_LOOK[a.kind] ?? {};
    const tone = look.tone ?? 'secondary';
    const mine = ctx.form.kind === a.kind;
    const p = `case.action.${a.kind}`;
    const byNeed = new Map<EdgeNeed, ActionField[]>();
    for (const f of a.fields) byNeed.set(f.need, [...(byNeed.get(f.need) ?? []), f]);
    const needs = [...byNeed].map(([need, fields]): NeedView => {
      const f: Record<string, FieldView> = {};
      for (const field of fields) {
        const spec = NEEDS[need].fields.find((s) => s.name === field.name);
        const offered = ctx.prefill?.[a.kind]?.[field.name] ?? field.default ?? '';
        const value = mine
          ? (ctx.form.values[field.name] ?? '')
          : (NEEDS[need].show?.(field.name, offered, ctx.locale) ?? offered);
        f[field.name] = {
          id: `${a.kind}-${spec?.id ?? field.name}`,
          name: field.name,
          label: text(`${p}.${field.name}`, `case.field.${field.name}`) ?? field.name,
          hint: text(`${p}.${field.name}.hint`, `case.field.${field.name}.hint`),
          value,
          invalid: mine && ctx.errorFields.includes(field.name),
          required: field.required,
          ...(field.options
            ? {
                options: field.options.map((o) => ({
                  value: o,
                  label: text(`case.choice.${field.name}.${o}`) ?? o,
                  selected: o === value,
                })),
              }
            : {}),
        };
      }
      const view: NeedView = {
        partial: `need_${need}`,
        need,
        kind: a.kind,
        required: fields.some((x) => x.required),
        invalid: Object.values(f).some((x) => x.invalid),
        f,
        blocked: false,
      };
      for (const field of fields) {
        if (field.choices) view.rows = remedyRows(a.kind, field.choices, mine ? ctx.form : EMPTY_FORM, ctx.items);
        if (field.candidates) view.candidates = field.candidates;
        view.blocked ||= field.required && (field.choices?.length === 0 || field.candidates?.length === 0);
      }
      return view;
    });
    const label = text(`${p}.label`) ?? a.kind;
    const danger = tone === 'danger' ? ' case-btn-danger' : '';
    return {
      kind: a.kind,
      to: a.to,
      tone,
      bare: needs.length === 0,
      open: mine || !!look.open,
      label,
      hint: text(`${p}.hint`),
      submit: text(`${p}.submit`) ?? label,
      blocked: needs.some((n) => n.blocked),
      needs,
      formClass: `case-action case-action--${tone}`,
      buttonClass:
        needs.length === 0
          ? tone === 'quiet'
            ? 'btn btn--link'
            : `btn ${tone === 'primary' ? 'btn--primary' : 'btn--secondary'} case-btn-wide${danger}`
          : `btn ${tone === 'primary' ? 'btn--primary' : 'btn--secondary'} btn--small${danger}`,
    };
  });
  return forms
    .map((f, i) => ({ f, i }))
    .sort((x, y) => TONE_ORDER.indexOf(x.f.tone) - TONE_ORDER.indexOf(y.f.tone) || x.i - y.i)
    .map((x) => x.f);
}

/** One select per item with the action's choices; what was typed, else the proposal, is selected. */
function remedyRows(
  kind: StaffAction,
  choices: NonNullable<ActionField['choices']>,
  form: TypedForm,
  items: FormContext['items'],
): NonNullable<NeedView['rows']> {
  const typedRows = (form.values.remedies ?? []) as Array<{ remedy: string; text: string } | undefined>;
  return choices.map((c) => {
    const item = items.find((i) => i.position === c.item);
    const typed =
      typedRows[c.item] ??
      (c.proposed ? { remedy: c.proposed.remedy, text: c.proposed.text ?? '' } : { remedy: '', text: '' });
    return {
      position: c.item,
      number: c.item + 1,
      kind: item?.kind ?? 'article',
      articleTitle: item?.articleTitle ?? '',
      id: `${kind}-remedy-${c.item}`,
      options: c.remedies.map((r) => ({ value: r, selected: typed.remedy === r, proposed: c.proposed?.remedy === r })),
      text: typed.text,
    };
  });
}
