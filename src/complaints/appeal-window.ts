/**
 * The appeal window (DSA Art. 20(1): at least six months after the decision), in calendar
 * months: a decision taken on 31 August may be appealed until the end of the last day of
 * February. Days are counted in Beijing time, the desk's time (mail shows dates in it), and the
 * window ends at the end of that day, so "until <date>" in a mail holds for the whole date.
 * The one value mails promise (`appealUntil`), the appeal_window_end timer fires at and the
 * appeal guard checks.
 */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

export function appealWindowEnd(decidedAt: Date, months: number): Date {
  const local = new Date(decidedAt.getTime() + BEIJING_OFFSET_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(local.getUTCDate(), lastDay);
  // The end of that Beijing day: the next day's 00:00 (+08:00) less a millisecond.
  return new Date(Date.UTC(y, m, day + 1) - BEIJING_OFFSET_MS - 1);
}

/** An item as the appeal rules read it: its kind, the remedy decided and whether it still stands. */
export interface AppealItem {
  kind: string;
  remedy: string | null;
  standing: boolean;
  owner_email: string;
}

/** How far a remedy reaches (remedy-reach.ts), and what fully grants an item of each kind. */
const REACH: Record<string, number> = {
  no_action: 0,
  add_attribution: 1,
  add_correction: 1,
  edit_passage: 2,
  remove_image: 3,
  remove_article: 4,
};
const FULL: Record<string, number> = { article: 4, image: 3, passage: 2 };

/**
 * Who has something to appeal (DSA Art. 20: a decision taken on the notice). The complainant:
 * a rejection, a restoration, or a decision that granted only part of what they asked (an item
 * left without action, or given less than removing it; for an accuracy complaint, anything less
 * than a correction). A content owner: a remedy other than no_action standing on their article.
 */
export function mayAppeal(
  party: 'complainant' | 'content_owner',
  state: string,
  legalBasis: string,
  items: readonly AppealItem[],
  ownerEmail: string | null,
): boolean {
  if (party === 'complainant') {
    if (state === 'rejected' || state === 'restored') return true;
    if (state !== 'actioned') return false;
    return items.some((i) => {
      const reach = REACH[i.remedy ?? 'no_action'] ?? 0;
      return reach === 0 || reach < (legalBasis === 'accuracy' ? 1 : (FULL[i.kind] ?? 4));
    });
  }
  if (state !== 'actioned') return false;
  return items.some(
    (i) =>
      i.standing &&
      i.remedy !== null &&
      i.remedy !== 'no_action' &&
      (!ownerEmail || i.owner_email.toLowerCase() === ownerEmail.toLowerCase()),
  );
}
