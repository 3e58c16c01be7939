import type { LegalBasis, Locale } from './legal-basis';

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

/** The two free texts of a ground, as DecisionGroundRecord names them. */
export type GroundTextField = 'legalGround' | 'explanation';
type GroundTexts = Record<GroundTextField, string>;

/**
 * The default texts per legal basis in each language. English is what a decision stores and its
 * statement publishes (the Transparency Database's language, as before); the case page shows the
 * reader's language, and a default posted back unchanged in either language is stored as the English
 * (storedGroundText), so the page's language never changes a statement.
 */
export const BASIS_GROUND_TEXTS: Record<LegalBasis, Record<Locale, GroundTexts>> = {
  'cn-copyright': {
    en: {
      legalGround:
        'Copyright: Regulations on the Protection of the Right to Network Dissemination of Information (PRC), Art. 14',
      explanation:
        'A rights holder notified the content as infringing copyright; after review the notice was found valid.',
    },
    'zh-CN': {
      legalGround: '著作权：《信息网络传播权保护条例》第十四条',
      explanation: '权利人通知该内容侵犯著作权；经审核，通知成立。',
    },
  },
  'us-dmca': {
    en: {
      legalGround: 'Copyright: US Digital Millennium Copyright Act, 17 U.S.C. 512(c)',
      explanation:
        'A rights holder notified the content as infringing copyright; after review the notice was found valid.',
    },
    'zh-CN': {
      legalGround: '著作权：美国《数字千年版权法》（17 U.S.C. 512(c)）',
      explanation: '权利人通知该内容侵犯著作权；经审核，通知成立。',
    },
  },
  'cn-personal-rights': {
    en: {
      legalGround: 'Personality rights (reputation, likeness or privacy): Civil Code of the PRC, Art. 1195',
      explanation:
        'A person concerned notified the content as infringing their personality rights; after review the notice was found valid.',
    },
    'zh-CN': {
      legalGround: '人格权（名誉权、肖像权或隐私权）：《中华人民共和国民法典》第一千一百九十五条',
      explanation: '相关当事人通知该内容侵害其人格权；经审核，通知成立。',
    },
  },
  'eu-dsa': {
    en: {
      legalGround: 'Notice of illegal content: EU Digital Services Act, Art. 16',
      explanation: 'The notifier gave reasons why the content is illegal; after review the notice was found valid.',
    },
    'zh-CN': {
      legalGround: '违法内容通知：欧盟《数字服务法》第 16 条',
      explanation: '通知人说明了该内容违法的理由；经审核，通知成立。',
    },
  },
  accuracy: {
    en: {
      legalGround: "The publisher's editorial accuracy policy",
      explanation: 'A request showed the content to be inaccurate; it was corrected under our accuracy policy.',
    },
    'zh-CN': {
      legalGround: '本站编辑准确性政策',
      explanation: '经请求核实，该内容存在不准确之处；已依本站准确性政策予以更正。',
    },
  },
};

const basisRecord = (ground: DecisionGround, category: StatementCategory, basis: LegalBasis): DecisionGroundRecord => ({
  ground,
  category,
  ...BASIS_GROUND_TEXTS[basis].en,
});

/** The default per legal basis (texts in English): what a decision stores unless changed, and what old decisions are read as. */
export const BASIS_STATEMENT: Record<LegalBasis, DecisionGroundRecord> = {
  'cn-copyright': basisRecord(
    'DECISION_GROUND_ILLEGAL_CONTENT',
    'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
    'cn-copyright',
  ),
  'us-dmca': basisRecord(
    'DECISION_GROUND_ILLEGAL_CONTENT',
    'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
    'us-dmca',
  ),
  'cn-personal-rights': basisRecord(
    'DECISION_GROUND_ILLEGAL_CONTENT',
    'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
    'cn-personal-rights',
  ),
  'eu-dsa': basisRecord('DECISION_GROUND_ILLEGAL_CONTENT', 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE', 'eu-dsa'),
  accuracy: basisRecord('DECISION_GROUND_INCOMPATIBLE_CONTENT', 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC', 'accuracy'),
};

/** The default text `text` is, in whichever language, as English stores it; undefined if it is none. */
function defaultTextsOf(field: GroundTextField, text: string): Record<Locale, GroundTexts> | undefined {
  const t = text.trim();
  return Object.values(BASIS_GROUND_TEXTS).find((byLocale) =>
    Object.values(byLocale).some((texts) => texts[field] === t),
  );
}

/** A default text as the page's language shows it (the form's prefill); any other text as it is. */
export function groundTextIn(locale: Locale, field: GroundTextField, text: string): string {
  return defaultTextsOf(field, text)?.[locale][field] ?? text;
}

/** A default text posted in any language as stored and published: its English; any other text as it is. */
export function storedGroundText(field: GroundTextField, text: string): string {
  return defaultTextsOf(field, text)?.en[field] ?? text;
}

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
