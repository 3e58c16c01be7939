import { ACTOR_ROLES, COMPLAINT_STATES, COMPLAINT_TRANSITIONS, ComplaintState, STAFF_ACTIONS } from './complaint-state';
import { checkTransition, isTerminal, nextStates } from './complaint-state-machine';

describe('complaint state machine', () => {
  it('has an entry for every state and only known targets and roles', () => {
    expect(Object.keys(COMPLAINT_TRANSITIONS).sort()).toEqual([...COMPLAINT_STATES].sort());
    for (const edges of Object.values(COMPLAINT_TRANSITIONS)) {
      for (const e of edges) {
        expect(COMPLAINT_STATES).toContain(e.to);
        // An edge nobody may take yet says why; every other edge has someone who may.
        if (e.unavailable) expect(e.roles).toEqual([]);
        else expect(e.roles.length).toBeGreaterThan(0);
        if (e.action) expect(STAFF_ACTIONS).toContain(e.action);
        for (const r of e.roles) expect(ACTOR_ROLES).toContain(r);
      }
    }
  });

  it('reaches every state from received', () => {
    const seen = new Set<ComplaintState>(['received']);
    const queue: ComplaintState[] = ['received'];
    while (queue.length) {
      const s = queue.shift() as ComplaintState;
      for (const e of COMPLAINT_TRANSITIONS[s]) {
        if (!seen.has(e.to)) {
          seen.add(e.to);
          queue.push(e.to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...COMPLAINT_STATES].sort());
  });

  it('gives terminal states no exits and lets every other state reach closed', () => {
    // not_processed has one way out: an admin who did not decide it reopens a contested notice.
    expect(COMPLAINT_STATES.filter(isTerminal).sort()).toEqual(['closed', 'duplicate']);
    expect(COMPLAINT_TRANSITIONS.not_processed.map((e) => [e.to, e.roles])).toEqual([['received', ['admin']]]);
    const reachesClosed = (start: ComplaintState): boolean => {
      const seen = new Set<ComplaintState>([start]);
      const queue = [start];
      while (queue.length) {
        const s = queue.shift() as ComplaintState;
        if (s === 'closed') return true;
        for (const e of COMPLAINT_TRANSITIONS[s]) {
          if (!seen.has(e.to)) {
            seen.add(e.to);
            queue.push(e.to);
          }
        }
      }
      return false;
    };
    for (const s of COMPLAINT_STATES) if (!isTerminal(s)) expect(reachesClosed(s)).toBe(true);
  });

  it('answers every pair of states for every role consistently with the table', () => {
    for (const from of COMPLAINT_STATES) {
      for (const to of COMPLAINT_STATES) {
        const edge = COMPLAINT_TRANSITIONS[from].find((e) => e.to === to);
        for (const role of ACTOR_ROLES) {
          const result = checkTransition(from, to, role);
          if (!edge) expect(result).toEqual({ ok: false, reason: 'ILLEGAL_TRANSITION' });
          else if (edge.unavailable) expect(result).toMatchObject({ ok: false, reason: 'PROCEDURE_NOT_AVAILABLE' });
          else if (edge.roles.includes(role)) expect(result.ok).toBe(true);
          else expect(result).toEqual({ ok: false, reason: 'FORBIDDEN' });
        }
      }
    }
  });

  it('names each staff action once per state, and decisions with reasons need them', () => {
    for (const edges of Object.values(COMPLAINT_TRANSITIONS)) {
      const actions = edges.map((e) => e.action).filter(Boolean);
      expect(new Set(actions).size).toBe(actions.length);
      for (const e of edges) {
        if (e.action === 'reject' || e.action === 'uphold' || e.action === 'escalate' || e.action === 'send_back')
          expect(e.needs).toContain('reason');
      }
    }
    expect(COMPLAINT_TRANSITIONS.received.find((e) => e.to === 'duplicate')?.needs).toEqual(['duplicateOf']);
  });

  it('encodes the rules of DESIGN.md', () => {
    expect(checkTransition('received', 'in_review', 'moderator').ok).toBe(true);
    expect(checkTransition('received', 'actioned', 'moderator')).toEqual({ ok: false, reason: 'ILLEGAL_TRANSITION' });
    expect(checkTransition('escalated', 'actioned', 'moderator')).toEqual({ ok: false, reason: 'FORBIDDEN' });
    expect(checkTransition('escalated', 'actioned', 'admin').ok).toBe(true);
    expect(checkTransition('received', 'duplicate', 'system').ok).toBe(true);
    expect(checkTransition('received', 'duplicate', 'moderator').ok).toBe(true);
    // Not processing is the misuse procedure: an admin only (its warning is checked by the guard).
    for (const role of ACTOR_ROLES)
      expect(checkTransition('received', 'not_processed', role).ok).toBe(role === 'admin');
    expect(nextStates('needs_info', 'complainant').sort()).toEqual(['in_review', 'withdrawn']);
    for (const s of ['actioned', 'rejected', 'restored'] as const) {
      expect(checkTransition(s, 'appeal_review', 'complainant').ok).toBe(true);
    }
  });
});
