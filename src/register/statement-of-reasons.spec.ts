import { REMEDIES } from '../complaints/complaint-item.entity';
import { LEGAL_BASES } from '../complaints/legal-basis';
import { isStatementCategory, personalDataIn, STATEMENT_CATEGORIES } from '../complaints/decision-ground';
import { BASIS_STATEMENT, REMEDY_VISIBILITY, statementOf } from './statement-of-reasons';

const at = new Date('2026-11-20T03:00:00Z');

describe('statement of reasons mapping (DSA Transparency Database)', () => {
  it('maps every remedy and basis to an enum value of the database', () => {
    for (const r of REMEDIES) {
      if (r === 'no_action') expect(REMEDY_VISIBILITY[r]).toBeNull();
      else expect(REMEDY_VISIBILITY[r]).toMatch(/^DECISION_VISIBILITY_[A-Z_]+$/);
    }
    for (const b of LEGAL_BASES) {
      expect(BASIS_STATEMENT[b].ground).toMatch(/^DECISION_GROUND_(ILLEGAL|INCOMPATIBLE)_CONTENT$/);
      expect(BASIS_STATEMENT[b].category).toMatch(/^STATEMENT_CATEGORY_[A-Z_]+$/);
      // Every basis default is in the vocabulary a decision is validated against.
      expect([b, isStatementCategory(BASIS_STATEMENT[b].category)]).toEqual([b, true]);
    }
    expect(new Set(STATEMENT_CATEGORIES).size).toBe(16);
  });

  it('uses the ground a decision recorded, the texts on the side of its ground', () => {
    const s = statementOf({
      reference: 'ND-2026-000002',
      legalBasis: 'cn-personal-rights',
      contentDate: null,
      items: [{ kind: 'article', remedy: 'add_correction', appliedAt: at, reversedAt: null }],
      recorded: {
        ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
        category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
        legalGround: 'Editorial accuracy policy, section 3',
        explanation: 'A caption stated an unproven accusation as fact.',
      },
    });
    expect(s).toMatchObject({
      decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
      category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
      illegal_content_legal_ground: null,
      illegal_content_explanation: null,
      incompatible_content_ground: 'Editorial accuracy policy, section 3',
      incompatible_content_explanation: 'A caption stated an unproven accusation as fact.',
    });
  });

  it('finds a party’s details in a text whatever the case and spacing, ignoring short values', () => {
    const who = ['Zhao  Wei', 'zhao@example.test', '+86 139 0000 1234', 'Li', null];
    expect(personalDataIn('Complaint by ZHAO WEI (Zhao@Example.test)', who)).toEqual([
      'Zhao  Wei',
      'zhao@example.test',
    ]);
    expect(personalDataIn('call +86  139 0000 1234', who)).toEqual(['+86 139 0000 1234']);
    // Two letters would match too much ("Li" in "literally"): not compared.
    expect(personalDataIn('literally nothing personal', who)).toEqual([]);
  });

  it('a copyright removal of an image: disabled, illegal content, IP category, image type', () => {
    const s = statementOf({
      reference: 'ND-2026-000001',
      legalBasis: 'cn-copyright',
      contentDate: new Date('2026-10-01T00:00:00Z'),
      items: [
        { kind: 'image', remedy: 'remove_image', appliedAt: at, reversedAt: null },
        { kind: 'passage', remedy: 'no_action', appliedAt: at, reversedAt: null },
      ],
    });
    expect(s).toMatchObject({
      decision_visibility: ['DECISION_VISIBILITY_CONTENT_DISABLED'],
      decision_visibility_other: null,
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      category: 'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
      content_type: ['CONTENT_TYPE_IMAGE'],
      content_date: '2026-10-01',
      application_date: '2026-11-20',
      source_type: 'SOURCE_ARTICLE_16',
      automated_detection: 'No',
      automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
      incompatible_content_ground: null,
      end_date_visibility_restriction: null,
      puid: 'ND-2026-000001',
    });
    expect(s?.illegal_content_legal_ground).toContain('Art. 14');
    expect(s?.territorial_scope).toContain('DE');
  });

  it('an accuracy correction and an attribution: labelled + other, incompatible content; reversal dates the end', () => {
    const s = statementOf({
      reference: 'ND-2026-000002',
      legalBasis: 'accuracy',
      contentDate: null,
      items: [
        { kind: 'article', remedy: 'add_correction', appliedAt: at, reversedAt: new Date('2026-11-25T01:00:00Z') },
        { kind: 'passage', remedy: 'add_attribution', appliedAt: at, reversedAt: new Date('2026-11-26T01:00:00Z') },
      ],
    });
    expect(s?.decision_visibility).toEqual(['DECISION_VISIBILITY_CONTENT_LABELLED', 'DECISION_VISIBILITY_OTHER']);
    expect(s?.decision_visibility_other).toBeTruthy();
    expect(s?.decision_ground).toBe('DECISION_GROUND_INCOMPATIBLE_CONTENT');
    expect(s?.illegal_content_legal_ground).toBeNull();
    expect(s?.incompatible_content_ground).toContain('accuracy');
    expect(s?.category).toBe('STATEMENT_CATEGORY_OTHER_VIOLATION_TC');
    expect(s?.content_type).toEqual(['CONTENT_TYPE_TEXT']);
    expect(s?.end_date_visibility_restriction).toBe('2026-11-26');
  });

  it('no statement when nothing was restricted', () => {
    expect(
      statementOf({
        reference: 'ND-2026-000003',
        legalBasis: 'eu-dsa',
        contentDate: null,
        items: [{ kind: 'article', remedy: 'no_action', appliedAt: at, reversedAt: null }],
      }),
    ).toBeNull();
  });
});
