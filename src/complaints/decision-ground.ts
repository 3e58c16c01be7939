import type { LegalBasis } from './legal-basis';

/**
 * The structured ground of a decision, in the vocabulary of the EU DSA Transparency Database
 * (the `decision_ground` and `category` of a statement of reasons, DSA Art. 17(3)(d)/(e) and 24(5)).
 * Staff confirm or change it when they decide (need `ground`, prefilled from the legal basis); it
 * is kept on the case (decision_ground, decision_category, decision_legal_ground,
 * decision_ground_explanation) and the statements use it. The texts are published in statements:
 * never a name or contact detail (the `statement_ground` guard refuses the parties' own).
 */
export const DECISION_GROUNDS = ['DECISION_GROUND_ILLEGAL_CONTENT', 'DECISION_GROUND_INCOMPATIBLE_CONTENT'] as const;
export type DecisionGround = (typeof DECISION_GROUNDS)[number];

/** The categories the database accepts for new statements (its second version of the list). */
export const STATEMENT_CATEGORIES = [
  'STATEMENT_CATEGORY_ANIMAL_WELFARE',
  'STATEMENT_CATEGORY_CONSUMER_INFORMATION',
  'STATEMENT_CATEGORY_CYBER_VIOLENCE',
  'STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN',
  'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
  'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
  'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
  'STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS',
  'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
  'STATEMENT_CATEGORY_OTHER_VIOLATION_TC',
  'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
  'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
  'STATEMENT_CATEGORY_SCAMS_AND_FRAUD',
  'STATEMENT_CATEGORY_SELF_HARM',
  'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
  'STATEMENT_CATEGORY_VIOLENCE',
] as const;
export type StatementCategory = (typeof STATEMENT_CATEGORIES)[number];

/** At most this many characters in each text (the database's own limits are wider). */
export const GROUND_TEXT_MAX = 2000;

/** What a decision records for its statement. */
export interface DecisionGroundRecord {
  ground: DecisionGround;
  category: StatementCategory;
  /** illegal_content_legal_ground, or incompatible_content_ground. */
  legalGround: string;
  /** illegal_content_explanation, or incompatible_content_explanation. */
  explanation: string;
}

/** The default per legal basis: what the form is prefilled with, and what old decisions are read as. */
export const BASIS_STATEMENT: Record<LegalBasis, DecisionGroundRecord> = {
  'cn-copyright': {
    ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
    category: 'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
    legalGround:
      'Copyright: Regulations on the Protection of the Right to Network Dissemination of Information (PRC), Art. 14',
    explanation:
      'A rights holder notified the content as infringing copyright; after review the notice was found valid.',
  },
  'us-dmca': {
    ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
    category: 'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
    legalGround: 'Copyright: US Digital Millennium Copyright Act, 17 U.S.C. 512(c)',
    explanation:
      'A rights holder notified the content as infringing copyright; after review the notice was found valid.',
  },
  'cn-personal-rights': {
    ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
    category: 'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
    legalGround: 'Personality rights (reputation, likeness or privacy): Civil Code of the PRC, Art. 1195',
    explanation:
      'A person concerned notified the content as infringing their personality rights; after review the notice was found valid.',
  },
  'eu-dsa': {
    ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
    category: 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
    legalGround: 'Notice of illegal content: EU Digital Services Act, Art. 16',
    explanation: 'The notifier gave reasons why the content is illegal; after review the notice was found valid.',
  },
  accuracy: {
    ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
    category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC',
    legalGround: "The publisher's editorial accuracy policy",
    explanation: 'A request showed the content to be inaccurate; it was corrected under our accuracy policy.',
  },
};

export const isDecisionGround = (v: unknown): v is DecisionGround =>
  typeof v === 'string' && (DECISION_GROUNDS as readonly string[]).includes(v);
export const isStatementCategory = (v: unknown): v is StatementCategory =>
  typeof v === 'string' && (STATEMENT_CATEGORIES as readonly string[]).includes(v);

/**
 * The personal details of `who` that a published text contains (compared case-folded, spaces
 * collapsed; values shorter than 3 characters are not compared). Used to refuse a ground text
 * naming a party: statements carry no personal data.
 */
export function personalDataIn(text: string, who: ReadonlyArray<string | null | undefined>): string[] {
  const fold = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  const hay = fold(text);
  return who.filter((w): w is string => !!w && fold(w).length >= 3 && hay.includes(fold(w)));
}
