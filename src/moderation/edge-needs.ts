import type { Edge, EdgeNeed } from '../complaints/complaint-state';
import type { Locale } from '../complaints/legal-basis';
import { REMEDIES } from '../complaints/complaint-item.entity';
import type { Remedy } from '../complaints/complaint-item.entity';
import { choicesWithin } from '../complaints/remedy-reach';
import { DECISION_GROUNDS, groundTextIn, STATEMENT_CATEGORIES } from '../complaints/decision-ground';
import type { DecisionGroundRecord } from '../complaints/decision-ground';

/**
 * Each kind of need an edge declares (COMPLAINT_TRANSITIONS `needs` / `optional`), in one place:
 * the fields it fills in the transition body (TransitionDto, the API's names), what the case
 * offers for it (remedy choices per item, candidate references), and how the page's posted form
 * becomes those fields. The page renders templates/partials/need-<need>.hbs for it.
 *
 * A new edge with existing needs changes nothing here. A new kind of need: its EdgeNeed name, an
 * entry below (the compiler asks for it), its field in TransitionDto/TransitionInput, and its
 * partial (edge-needs.spec.ts checks the partial exists and posts the fields named here).
 */

/**
 * How a field travels in POST /api/v1/complaints/:ref/transitions:
 *   text       a string (the page: a textarea)
 *   lines      an array of strings (the page: one per line)
 *   remedies   [{ item, remedy, text? }], one per item
 *   reference  a case reference, e.g. ND-2026-000100
 *   date       a calendar date, YYYY-MM-DD
 *   choice     one of `options` (the page: a select), `default` unless changed
 */
export type FieldType = 'text' | 'lines' | 'remedies' | 'reference' | 'date' | 'choice';

/** A transition-body property filled by a need. */
export type NeedFieldName =
  | 'reason'
  | 'missing'
  | 'message'
  | 'remedies'
  | 'duplicateOf'
  | 'date'
  | 'decisionGround'
  | 'category'
  | 'legalGround'
  | 'groundExplanation';

export interface NeedField {
  name: NeedFieldName;
  type: FieldType;
  /** false: offered with the need but never required (request_info's message). */
  core: boolean;
  /** The page's element id is `<action>-<id>` (default: the name). */
  id?: string;
}

/** One field of an offered action, as GET /api/v1/complaints/:ref lists it and the page renders it. */
export interface ActionField {
  name: NeedFieldName;
  need: EdgeNeed;
  type: FieldType;
  required: boolean;
  /** remedies: per item, the remedies this action may choose, in REMEDIES order, and the proposal if any. */
  choices?: Array<{ item: number; remedies: Remedy[]; proposed?: { remedy: Remedy; text?: string } }>;
  /** duplicateOf: the references it may name (the same complainant's undecided cases). */
  candidates?: string[];
  /** choice: the values it may take. */
  options?: readonly string[];
  /** What the form starts with, to confirm or change (ground: the case's default). */
  default?: string;
}

/** What a need offers per field (options and defaults). */
export type FieldOffer = Partial<Record<NeedFieldName, Pick<ActionField, 'options' | 'default'>>>;

/** What the case offers a need: read once by CaseService.view. */
export interface NeedContext {
  items: ReadonlyArray<{ position: number; kind: string }>;
  proposedRemedies: ReadonlyArray<{ item: number; remedy: string; text?: string }> | null;
  duplicateCandidates: readonly string[];
  /** ground: what a decision starts from (the earlier decision's, else the legal basis's default). */
  ground: DecisionGroundRecord;
}

export interface NeedSpec {
  fields: readonly NeedField[];
  /** Choices or candidates for the need on this edge of this case. */
  offer?(edge: Edge, ctx: NeedContext): Pick<ActionField, 'choices' | 'candidates'> & { fields?: FieldOffer };
  /**
   * The posted form → the transition body's fields (only what was posted, in the shape
   * TransitionDto validates) and what the person typed (kept when the page comes back with an error).
   */
  fromForm(body: Record<string, unknown>): { raw: Record<string, unknown>; typed: Record<string, unknown> };
  /** How the page shows a value it offers (not one typed) in its language; absent: as it is. */
  show?(field: NeedFieldName, value: string, locale: Locale): string;
}

export const firstString = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';

/** A single-line or free text field: sent when not blank, kept as typed. */
const textField = (name: NeedFieldName) => (body: Record<string, unknown>) => {
  const typed = firstString(body[name]);
  return { raw: typed.trim() ? { [name]: typed.trim() } : {}, typed: { [name]: typed } };
};

export const NEEDS: { readonly [N in EdgeNeed]: NeedSpec } = {
  reason: {
    fields: [{ name: 'reason', type: 'text', core: true }],
    fromForm: textField('reason'),
  },
  missing: {
    fields: [
      { name: 'missing', type: 'lines', core: true },
      { name: 'message', type: 'text', core: false },
    ],
    fromForm(body) {
      const missing = firstString(body.missing);
      const message = firstString(body.message);
      const raw: Record<string, unknown> = {};
      if (body.missing !== undefined)
        raw.missing = missing
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean);
      if (message.trim()) raw.message = message.trim();
      return { raw, typed: { missing, message } };
    },
  },
  remedies: {
    fields: [{ name: 'remedies', type: 'remedies', core: true }],
    /**
     * Per item: remove_image only for image items; no remove_article where the edge is guarded by
     * no_whole_article; where it is guarded by within_proposal, the proposed remedy and the ones
     * reaching less (remedy-reach.ts, the check the service makes), nothing wider.
     */
    offer(edge, ctx) {
      const guards = edge.guards ?? [];
      return {
        choices: ctx.items.map((i) => {
          const p = guards.includes('within_proposal')
            ? ctx.proposedRemedies?.find((x) => x.item === i.position)
            : undefined;
          const proposed = p ? { remedy: p.remedy as Remedy, ...(p.text ? { text: p.text } : {}) } : undefined;
          const allowed: readonly Remedy[] = guards.includes('within_proposal')
            ? proposed
              ? choicesWithin(proposed.remedy)
              : ['no_action']
            : REMEDIES;
          const remedies = allowed.filter(
            (r) =>
              (r !== 'remove_image' || i.kind === 'image') &&
              (r !== 'remove_article' || !guards.includes('no_whole_article')),
          );
          return { item: i.position, remedies, ...(proposed ? { proposed } : {}) };
        }),
      };
    },
    /** remedies[i][remedy|text]; sent when any item's row was posted (an empty choice is left out). */
    fromForm(body) {
      const rows = body.remedies;
      const entries: Array<[number, unknown]> = Array.isArray(rows)
        ? rows.map((r, i): [number, unknown] => [i, r])
        : typeof rows === 'object' && rows !== null
          ? Object.entries(rows as Record<string, unknown>).map(([k, r]): [number, unknown] => [Number(k), r])
          : [];
      const typed: Array<{ remedy: string; text: string }> = [];
      const remedies: Array<{ item: number; remedy: string; text?: string }> = [];
      let posted = false;
      for (const [i, r] of entries) {
        if (!Number.isInteger(i) || i < 0 || i > 50 || typeof r !== 'object' || r === null) continue;
        posted = true;
        const row = r as Record<string, unknown>;
        const remedy = firstString(row.remedy).trim();
        const text = firstString(row.text).trim();
        typed[i] = { remedy, text };
        if (remedy) remedies.push({ item: i, remedy, ...(text ? { text } : {}) });
      }
      return {
        raw: posted ? { remedies } : {},
        typed: { remedies: Array.from({ length: typed.length }, (_, i) => typed[i] ?? { remedy: '', text: '' }) },
      };
    },
  },
  duplicateOf: {
    fields: [{ name: 'duplicateOf', type: 'reference', core: true, id: 'of' }],
    offer: (_edge, ctx) => ({ candidates: [...ctx.duplicateCandidates] }),
    fromForm: textField('duplicateOf'),
  },
  date: {
    fields: [{ name: 'date', type: 'date', core: true }],
    fromForm: textField('date'),
  },
  /** Prefilled with the case's default so staff confirm or change it; the texts are published in statements. */
  ground: {
    fields: [
      { name: 'decisionGround', type: 'choice', core: true },
      { name: 'category', type: 'choice', core: true },
      { name: 'legalGround', type: 'text', core: false },
      { name: 'groundExplanation', type: 'text', core: false },
    ],
    offer: (_edge, ctx) => ({
      fields: {
        decisionGround: { options: DECISION_GROUNDS, default: ctx.ground.ground },
        category: { options: STATEMENT_CATEGORIES, default: ctx.ground.category },
        legalGround: { default: ctx.ground.legalGround },
        groundExplanation: { default: ctx.ground.explanation },
      },
    }),
    // The default texts in the page's language (a Chinese default posted back is stored in English: storedGroundText).
    show: (field, value, locale) =>
      field === 'legalGround'
        ? groundTextIn(locale, 'legalGround', value)
        : field === 'groundExplanation'
          ? groundTextIn(locale, 'explanation', value)
          : value,
    fromForm(body) {
      const read = ['decisionGround', 'category', 'legalGround', 'groundExplanation'].map((n) =>
        textField(n as NeedFieldName)(body),
      );
      return {
        raw: Object.assign({}, ...read.map((r) => r.raw)) as Record<string, unknown>,
        typed: Object.assign({}, ...read.map((r) => r.typed)) as Record<string, unknown>,
      };
    },
  },
};

/** The needs of an edge in the order its form asks for them: required first, then optional. */
export function edgeNeeds(edge: Edge): Array<{ need: EdgeNeed; required: boolean }> {
  const needs = edge.needs ?? [];
  return [
    ...needs.map((need) => ({ need, required: true })),
    ...(edge.optional ?? []).filter((n) => !needs.includes(n)).map((need) => ({ need, required: false })),
  ];
}

/** The fields an edge takes, with what this case offers for them. */
export function actionFields(edge: Edge, ctx: NeedContext): ActionField[] {
  return edgeNeeds(edge).flatMap(({ need, required }) => {
    const spec = NEEDS[need];
    const { fields, ...offer } = spec.offer?.(edge, ctx) ?? {};
    return spec.fields.map((f): ActionField => ({
      name: f.name,
      need,
      type: f.type,
      required: required && f.core,
      ...offer,
      ...(fields?.[f.name] ?? {}),
    }));
  });
}
