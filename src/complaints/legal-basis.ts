/** The legal bases a complaint can rest on (DESIGN.md); each sets required fields and wording. */
export const LEGAL_BASES = ['cn-copyright', 'cn-personal-rights', 'us-dmca', 'eu-dsa', 'accuracy'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/**
 * Who files, as a category the public notice (451 page, image notices) may name without naming
 * the person: the rights holder, their agent (files with an authorisation, `actingFor`), or a
 * person concerned (the person an article is about, or a reader with a doubt).
 */
export const REQUESTER_CATEGORIES = ['rights_holder', 'agent', 'person_concerned'] as const;
export type RequesterCategory = (typeof REQUESTER_CATEGORIES)[number];

/** The category when the filer names none: an agent when acting for someone, else by basis. */
export function defaultRequesterCategory(legalBasis: string, actingFor: string | undefined): RequesterCategory {
  if (actingFor?.trim()) return 'agent';
  return legalBasis === 'cn-personal-rights' || legalBasis === 'accuracy' ? 'person_concerned' : 'rights_holder';
}

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Fields a basis requires beyond name, email, article URL and explanation. */
export interface BasisRequirements {
  address: boolean; // postal address (条例 Art. 14)
  originalWork: boolean; // the work and where the original is
  evidence: boolean; // preliminary evidence of ownership / of the harm
  phone: boolean;
  goodFaith: boolean; // good-faith statement (DMCA 512(c)(3)(A)(v), DSA Art. 16(2)(d))
  signature: boolean; // DMCA: physical or electronic signature (typed full name)
  perjury: boolean; // DMCA: accuracy and authority under penalty of perjury
  realIdentity: boolean; // 民法典 1195: the notice carries the real identity of the notifier
  identityDocument: boolean; // 民法典 1195: a proof-of-identity document (file field `identity`), staff only
}

export const BASIS_REQUIREMENTS: Record<LegalBasis, BasisRequirements> = {
  'cn-copyright': {
    address: true,
    originalWork: true,
    evidence: true,
    phone: false,
    goodFaith: false,
    signature: false,
    perjury: false,
    realIdentity: true,
    identityDocument: false,
  },
  'cn-personal-rights': {
    address: false,
    originalWork: false,
    evidence: true,
    phone: false,
    goodFaith: false,
    signature: false,
    perjury: false,
    realIdentity: true,
    identityDocument: true,
  },
  'us-dmca': {
    address: true,
    originalWork: true,
    evidence: false,
    phone: true,
    goodFaith: true,
    signature: true,
    perjury: true,
    realIdentity: false,
    identityDocument: false,
  },
  'eu-dsa': {
    address: false,
    originalWork: false,
    evidence: false,
    phone: false,
    goodFaith: true,
    signature: false,
    perjury: false,
    realIdentity: false,
    identityDocument: false,
  },
  accuracy: {
    address: false,
    originalWork: false,
    evidence: false,
    phone: false,
    goodFaith: false,
    signature: false,
    perjury: false,
    realIdentity: false,
    identityDocument: false,
  },
};

export function isLocale(value: unknown): value is Locale {
  return value === 'zh-CN' || value === 'en';
}
