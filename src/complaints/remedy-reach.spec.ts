import { REMEDIES } from './complaint-item.entity';
import { choicesWithin, REMEDY_REACH, widerThanProposed, withinProposal } from './remedy-reach';

describe('remedy reach (what an approver may decide on a proposal)', () => {
  it('ranks every remedy, the whole article furthest and no action least', () => {
    expect(Object.keys(REMEDY_REACH).sort()).toEqual([...REMEDIES].sort());
    for (const r of REMEDIES) {
      expect(REMEDY_REACH.no_action).toBeLessThanOrEqual(REMEDY_REACH[r]);
      expect(REMEDY_REACH.remove_article).toBeGreaterThanOrEqual(REMEDY_REACH[r]);
    }
    expect(REMEDY_REACH.remove_image).toBeGreaterThan(REMEDY_REACH.edit_passage);
    expect(REMEDY_REACH.edit_passage).toBeGreaterThan(REMEDY_REACH.add_correction);
  });

  it('allows the proposal itself and anything reaching less, never more or sideways', () => {
    expect(withinProposal('remove_article', 'remove_article')).toBe(true);
    expect(withinProposal('remove_article', 'remove_image')).toBe(true);
    expect(withinProposal('remove_image', 'no_action')).toBe(true);
    expect(withinProposal('remove_image', 'remove_article')).toBe(false);
    expect(withinProposal('no_action', 'add_correction')).toBe(false);
    expect(withinProposal('add_correction', 'add_attribution')).toBe(false);
    expect(choicesWithin('remove_image')).toEqual([
      'remove_image',
      'edit_passage',
      'add_correction',
      'add_attribution',
      'no_action',
    ]);
    expect(choicesWithin('no_action')).toEqual(['no_action']);
  });

  it('lists the items decided wider than proposed', () => {
    const proposed = [
      { item: 0, remedy: 'remove_image' as const },
      { item: 1, remedy: 'add_correction' as const },
    ];
    expect(widerThanProposed(proposed, proposed)).toEqual([]);
    expect(
      widerThanProposed(proposed, [
        { item: 0, remedy: 'no_action' },
        { item: 1, remedy: 'no_action' },
      ]),
    ).toEqual([]);
    expect(
      widerThanProposed(proposed, [
        { item: 0, remedy: 'remove_article' },
        { item: 1, remedy: 'add_correction' },
        { item: 2, remedy: 'add_correction' },
      ]),
    ).toEqual([
      { item: 0, proposed: 'remove_image', chosen: 'remove_article' },
      { item: 2, proposed: null, chosen: 'add_correction' },
    ]);
  });
});
