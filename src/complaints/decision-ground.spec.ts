import { LEGAL_BASES } from './legal-basis';
import { BASIS_GROUND_TEXTS, BASIS_STATEMENT, groundTextIn, storedGroundText } from './decision-ground';
import type { GroundTextField } from './decision-ground';

describe('default ground texts: shown in the page language, stored in English', () => {
  const fields: GroundTextField[] = ['legalGround', 'explanation'];

  it('has a Chinese text for every basis and field, and stores the English one as before', () => {
    for (const basis of LEGAL_BASES)
      for (const field of fields) {
        const zh = BASIS_GROUND_TEXTS[basis]['zh-CN'][field];
        const en = BASIS_STATEMENT[basis][field];
        expect([basis, field, /[\u4e00-\u9fff]/.test(zh), /[\u4e00-\u9fff]/.test(en)]).toEqual([
          basis,
          field,
          true,
          false,
        ]);
        expect(groundTextIn('zh-CN', field, en)).toBe(zh);
        expect(groundTextIn('en', field, en)).toBe(en);
        expect(groundTextIn('en', field, zh)).toBe(en);
        // Posted back unchanged from a Chinese page (a textarea may add surrounding space): the English is stored.
        expect(storedGroundText(field, `${zh}\n`)).toBe(en);
        expect(storedGroundText(field, en)).toBe(en);
      }
    expect(BASIS_STATEMENT['eu-dsa'].legalGround).toBe('Notice of illegal content: EU Digital Services Act, Art. 16');
  });

  it('leaves any other text as it was written, in any language', () => {
    for (const text of ['Defamation: Civil Code of the PRC, Art. 1024', '诽谤：《民法典》第一千零二十四条'])
      for (const field of fields) {
        expect(groundTextIn('zh-CN', field, text)).toBe(text);
        expect(storedGroundText(field, text)).toBe(text);
      }
    // A legal ground text is not taken for an explanation (or the reverse).
    const zhGround = BASIS_GROUND_TEXTS['eu-dsa']['zh-CN'].legalGround;
    expect(storedGroundText('explanation', zhGround)).toBe(zhGround);
  });
});
