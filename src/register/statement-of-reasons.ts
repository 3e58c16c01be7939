import type { Remedy } from '../complaints/complaint-item.entity';
import { BASIS_STATEMENT } from '../complaints/decision-ground';
import type { DecisionGroundRecord } from '../complaints/decision-ground';
import type { LegalBasis } from '../complaints/legal-basis';

/**
 * Statements of reasons in the field names and enum values of the EU DSA Transparency Database
 * (transparency.dsa.ec.europa.eu, "API and Schema"). Built only from structured fields (basis,
 * remedies, item kinds, dates, the case reference) and the ground the decision recorded (chosen
 * from the vocabulary by staff, its texts checked for the parties' names and contact details):
 * never from free text a party wrote, so a statement carries no personal data (DSA Art. 24(5)).
 * The mapping is documented in the README.
 */
export interface StatementOfReasons {
  decision_visibility: string[];
  decision_visibility_other: string | null;
  end_date_visibility_restriction: string | null;
  decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT' | 'DECISION_GROUND_INCOMPATIBLE_CONTENT';
  illegal_content_legal_ground: string | null;
  illegal_content_explanation: string | null;
  incompatible_content_ground: string | null;
  incompatible_content_explanation: string | null;
  category: string;
  content_type: string[];
  content_date: string | null;
  application_date: string;
  decision_facts: string;
  source_type: 'SOURCE_ARTICLE_16';
  automated_detection: 'No';
  automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED';
  territorial_scope: string[];
  puid: string;
}

/** What a statement is built from: structured columns only. */
export interface DecisionFacts {
  reference: string;
  legalBasis: LegalBasis;
  items: Array<{
    kind: 'article' | 'image' | 'passage';
    remedy: Remedy | null;
    appliedAt: Date | null;
    reversedAt: Date | null;
  }>;
  contentDate: Date | null;
  /** The ground and category the decision recorded; null for decisions taken before they were recorded. */
  recorded?: DecisionGroundRecord | null;
}

/** The EEA: the measures apply on the whole site, everywhere it is read. */
export const EEA_TERRITORIAL_SCOPE = [
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IS', 'IT', 'LI',
  'LT', 'LU', 'LV', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK',
]; // prettier-ignore

/** Our remedies as visibility restrictions (no_action restricts nothing). */
export const REMEDY_VISIBILITY: Record<Remedy, string | null> = {
  remove_article: 'DECISION_VISIBILITY_CONTENT_DISABLED', // access disabled (451), kept for a restoration
  remove_image: 'DECISION_VISIBILITY_CONTENT_DISABLED',
  edit_passage: 'DECISION_VISIBILITY_CONTENT_REMOVED', // the passage is taken out of the text
  add_correction: 'DECISION_VISIBILITY_CONTENT_LABELLED', // a correction note above the article
  add_attribution: 'DECISION_VISIBILITY_OTHER',
  no_action: null,
};

/** Our legal bases: ground, category and the legal ground in words (the default a decision is prefilled with). */
export { BASIS_STATEMENT };

const KIND_CONTENT_TYPE = { article: 'CONTENT_TYPE_TEXT', passage: 'CONTENT_TYPE_TEXT', image: 'CONTENT_TYPE_IMAGE' };
const REMEDY_WORDS: Record<Remedy, string> = {
  remove_article: 'access to the article disabled',
  remove_image: 'access to an image disabled',
  edit_passage: 'a passage edited out',
  add_correction: 'a correction note added',
  add_attribution: 'an attribution added',
  no_action: 'no action',
};

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The statement of a decision, or null when nothing was restricted (no statement is due). */
export function statementOf(f: DecisionFacts): StatementOfReasons | null {
  const acted = f.items.filter((i) => i.remedy && i.remedy !== 'no_action' && i.appliedAt);
  if (acted.length === 0) return null;
  const visibility = [
    ...new Set(acted.map((i) => REMEDY_VISIBILITY[i.remedy as Remedy]).filter((v): v is string => !!v)),
  ];
  // Decisions record their ground; older ones are read through their legal basis.
  const basis = f.recorded ?? BASIS_STATEMENT[f.legalBasis];
  const applied = acted.map((i) => (i.appliedAt as Date).getTime());
  const allReversed = acted.every((i) => i.reversedAt);
  const illegal = basis.ground === 'DECISION_GROUND_ILLEGAL_CONTENT';
  const measures = acted.map((i) => REMEDY_WORDS[i.remedy as Remedy]);
  return {
    decision_visibility: visibility.sort(),
    decision_visibility_other: visibility.includes('DECISION_VISIBILITY_OTHER')
      ? 'Attribution of the rights holder added to the content'
      : null,
    end_date_visibility_restriction: allReversed
      ? day(new Date(Math.max(...acted.map((i) => (i.reversedAt as Date).getTime()))))
      : null,
    decision_ground: basis.ground,
    illegal_content_legal_ground: illegal ? basis.legalGround : null,
    illegal_content_explanation: illegal ? basis.explanation : null,
    incompatible_content_ground: illegal ? null : basis.legalGround,
    incompatible_content_explanation: illegal ? null : basis.explanation,
    category: basis.category,
    content_type: [...new Set(acted.map((i) => KIND_CONTENT_TYPE[i.kind]))].sort(),
    content_date: f.contentDate ? day(f.contentDate) : null,
    application_date: day(new Date(Math.min(...applied))),
    decision_facts:
      `A notice named ${f.items.length} item(s) of a news article. Staff reviewed it and applied: ` +
      `${measures.join('; ')}.` +
      (allReversed ? ' The measures were later reversed.' : ''),
    source_type: 'SOURCE_ARTICLE_16',
    automated_detection: 'No',
    automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
    territorial_scope: EEA_TERRITORIAL_SCOPE,
    puid: f.reference,
  };
}
