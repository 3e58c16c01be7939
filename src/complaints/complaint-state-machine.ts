import { ActorRole, COMPLAINT_TRANSITIONS, ComplaintState, Edge, StaffAction } from './complaint-state';

export type TransitionCheck =
  | { ok: true; edge: Edge }
  | { ok: false; reason: 'ILLEGAL_TRANSITION' | 'FORBIDDEN' }
  | { ok: false; reason: 'PROCEDURE_NOT_AVAILABLE'; edge: Edge };

/**
 * Pure: may `role` move a complaint from `from` to `to`? No I/O, no clock. Where two edges lead
 * to the same state (a counter-notice incomplete or invalid), `action` names the one taken.
 */
export function checkTransition(
  from: ComplaintState,
  to: ComplaintState,
  role: ActorRole,
  table: Record<ComplaintState, readonly Edge[]> = COMPLAINT_TRANSITIONS,
  action?: StaffAction,
): TransitionCheck {
  const edge = table[from].find((e) => e.to === to && (!action || e.action === action));
  if (!edge) return { ok: false, reason: 'ILLEGAL_TRANSITION' };
  if (edge.unavailable) return { ok: false, reason: 'PROCEDURE_NOT_AVAILABLE', edge };
  if (!edge.roles.includes(role)) return { ok: false, reason: 'FORBIDDEN' };
  return { ok: true, edge };
}

export function nextStates(from: ComplaintState, role: ActorRole): ComplaintState[] {
  return COMPLAINT_TRANSITIONS[from].filter((e) => !e.unavailable && e.roles.includes(role)).map((e) => e.to);
}

export function isTerminal(state: ComplaintState): boolean {
  return COMPLAINT_TRANSITIONS[state].length === 0;
}
