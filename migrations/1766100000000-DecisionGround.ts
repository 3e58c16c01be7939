import { MigrationInterface, QueryRunner } from 'typeorm';

// Frozen here (a migration never changes); src/complaints/decision-ground.ts holds the same lists.
const GROUNDS = `'DECISION_GROUND_ILLEGAL_CONTENT', 'DECISION_GROUND_INCOMPATIBLE_CONTENT'`;
const CATEGORIES = [
  'ANIMAL_WELFARE',
  'CONSUMER_INFORMATION',
  'CYBER_VIOLENCE',
  'CYBER_VIOLENCE_AGAINST_WOMEN',
  'DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
  'ILLEGAL_OR_HARMFUL_SPEECH',
  'INTELLECTUAL_PROPERTY_INFRINGEMENTS',
  'NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS',
  'NOT_SPECIFIED_NOTICE',
  'OTHER_VIOLATION_TC',
  'PROTECTION_OF_MINORS',
  'RISK_FOR_PUBLIC_SECURITY',
  'SCAMS_AND_FRAUD',
  'SELF_HARM',
  'UNSAFE_AND_PROHIBITED_PRODUCTS',
  'VIOLENCE',
]
  .map((c) => `'STATEMENT_CATEGORY_${c}'`)
  .join(', ');

/**
 * The structured ground of a decision for its statement of reasons (EU DSA Transparency Database
 * vocabulary), chosen by staff when they decide (src/complaints/decision-ground.ts). Decisions taken
 * before keep NULL and their statements are read through the legal basis, as before.
 */
export class DecisionGround1766100000000 implements MigrationInterface {
  name = 'DecisionGround1766100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE complaint
        ADD COLUMN decision_ground text,
        ADD COLUMN decision_category text,
        ADD COLUMN decision_legal_ground text,
        ADD COLUMN decision_ground_explanation text,
        ADD CONSTRAINT complaint_decision_ground_check CHECK (decision_ground IN (${GROUNDS})),
        ADD CONSTRAINT complaint_decision_category_check CHECK (decision_category IN (${CATEGORIES})),
        ADD CONSTRAINT complaint_decision_ground_pair_check CHECK ((decision_ground IS NULL) = (decision_category IS NULL))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE complaint
        DROP CONSTRAINT complaint_decision_ground_pair_check,
        DROP CONSTRAINT complaint_decision_category_check,
        DROP CONSTRAINT complaint_decision_ground_check,
        DROP COLUMN decision_ground_explanation,
        DROP COLUMN decision_legal_ground,
        DROP COLUMN decision_category,
        DROP COLUMN decision_ground`);
  }
}
