import type { ActorRole, ComplaintState } from './complaint-state';

/** The first decisions a case can get (its `decided_state`). */
export const DECISION_STATES = ['actioned', 'rejected', 'duplicate', 'not_processed'] as const;

/**
 * The report milestones a transition sets on the case (migration ReportMilestones), as SQL
 * assignments for ComplaintsService's guarded UPDATE, where `$1` is the state moved to and
 * `actorParam` the placeholder of the acting staff id (bound only when `usesActor`). Each is kept
 * once set: the first review and who took it, the first decision and who took it, the first
 * appeal and its outcome stay what they were when a case is reopened, appealed again or restored
 * twice (each CASE reads the row as it was before this UPDATE). Times are the transaction's
 * now(), the clock the audit event of the same transition is stamped by.
 */
export function milestoneAssignments(
  from: ComplaintState,
  to: ComplaintState,
  role: ActorRole,
  actorParam: string,
): { sql: string[]; usesActor: boolean } {
  const once = (col: string, value = 'now()') => `${col} = COALESCE(${col}, ${value})`;
  const staff = role === 'moderator' || role === 'admin';
  const out: string[] = [];
  if (staff)
    out.push(
      `first_reviewed_by = CASE WHEN first_reviewed_at IS NULL THEN ${actorParam}::uuid ELSE first_reviewed_by END`,
      once('first_reviewed_at'),
    );
  if ((DECISION_STATES as readonly string[]).includes(to)) {
    if (staff)
      out.push(`first_decided_by = CASE WHEN decided_at IS NULL THEN ${actorParam}::uuid ELSE first_decided_by END`);
    out.push(once('decided_at'), `decided_state = CASE WHEN decided_at IS NULL THEN $1 ELSE decided_state END`);
  }
  if (to === 'withdrawn') out.push(once('withdrawn_at'));
  if (to === 'restored') out.push(once('restored_at'));
  if (to === 'appeal_review') out.push(once('appealed_at'));
  if (from === 'appeal_review')
    // Reversed: the appeal led elsewhere than the decision appealed (the first appeal's row).
    out.push(
      `appeal_reversed = CASE WHEN appeal_outcome IS NULL THEN (SELECT a.appealed_state <> $1 FROM appeal a
                          WHERE a.complaint_id = complaint.id ORDER BY a.filed_at, a.id LIMIT 1) ELSE appeal_reversed END`,
      once('appeal_outcome', '$1'),
    );
  return { sql: out, usesActor: staff };
}
