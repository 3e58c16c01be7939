import { REMEDIES } from './complaint-item.entity';
import type { Remedy } from './complaint-item.entity';

/**
 * How far a remedy reaches into what readers can see, from nothing to the whole article gone.
 * An approver of an escalation decides on what was proposed: per item the proposed remedy or one
 * that reaches less; never more (that would be a decision only one person took). Remedies of the
 * same reach but a different kind (a correction instead of an attribution) are not narrower.
 *
 *   no_action < add_attribution = add_correction < edit_passage < remove_image < remove_article
 */
export const REMEDY_REACH: Record<Remedy, number> = {
  no_action: 0,
  add_attribution: 1,
  add_correction: 1,
  edit_passage: 2,
  remove_image: 3,
  remove_article: 4,
};

/** The proposed remedy itself or one that reaches strictly less. */
export function withinProposal(proposed: Remedy, chosen: Remedy): boolean {
  return chosen === proposed || REMEDY_REACH[chosen] < REMEDY_REACH[proposed];
}

/** The remedies an approver may choose for an item proposed with `proposed`, in REMEDIES order. */
export function choicesWithin(proposed: Remedy): Remedy[] {
  return REMEDIES.filter((r) => withinProposal(proposed, r));
}

export interface WiderItem {
  item: number;
  proposed: Remedy | null;
  chosen: Remedy;
}

/**
 * The items whose chosen remedy reaches further than proposed (or that had no proposal at all);
 * empty when the decision is as proposed or narrower. The one check the service makes.
 */
export function widerThanProposed(
  proposed: ReadonlyArray<{ item: number; remedy: Remedy }>,
  chosen: ReadonlyArray<{ item: number; remedy: Remedy }>,
): WiderItem[] {
  const out: WiderItem[] = [];
  for (const c of chosen) {
    const p = proposed.find((x) => x.item === c.item);
    if (!p) {
      if (c.remedy !== 'no_action') out.push({ item: c.item, proposed: null, chosen: c.remedy });
    } else if (!withinProposal(p.remedy, c.remedy)) out.push({ item: c.item, proposed: p.remedy, chosen: c.remedy });
  }
  return out;
}
