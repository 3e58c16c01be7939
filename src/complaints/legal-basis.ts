/** The legal bases a complaint can rest on (DESIGN.md); each sets required fields and wording. */
export const LEGAL_BASES = ['cn-copyright', 'cn-personal-rights', 'us-dmca', 'eu-dsa', 'accuracy'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

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
  },
};

export function isLocale(value: unknown): value is Locale {
  return value === 'zh-CN' || value === 'en';
}
