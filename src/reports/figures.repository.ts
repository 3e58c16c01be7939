import { Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/**
 * The statements of the period reports (/staff/reports), read-only like the rest of the module.
 * Each reads the cases whose milestone (received_at, decided_at, restored_at, …: migration
 * ReportMilestones) falls in [from, to), through that milestone's index, so a year's figures
 * never scan the audit trail; only workload per moderator reads the period's transitions
 * (audit_event_action_time_idx).
 */

/** A half-open period [from, to). */
export interface Span {
  from: Date;
  to: Date;
}

/**
 * Cumulative working days per calendar day, from `start` (index 1 = start): the working days
 * between two instants are cum[date of the later] − cum[date of the earlier], i.e. the working
 * days in (a, b] as WorkingDayCalendar.workingDaysBetween counts them; dates outside the array
 * are clamped to its ends.
 */
export interface WorkingDayTables {
  start: string;
  cn: number[];
  us: number[];
}

export interface KeyCount {
  key: string;
  n: number;
}
export interface KindRow {
  key: string;
  items: number;
  complaints: number;
}
export interface TimeRow {
  key: string;
  cases: number;
  median_hours: number | null;
  p90_hours: number | null;
  median_working_days: number | null;
  p90_working_days: number | null;
}
export interface StaffCount {
  key: string;
  name: string | null;
  n: number;
}
export interface AppealRow {
  filed: number;
  decided: number;
  reversed: number;
}
export interface WorkloadRow {
  key: string;
  name: string;
  claimed: number;
  decided: number;
  median_hours: number | null;
}

const IN = (col: string) => `${col} >= $1 AND ${col} < $2`;
const HOURS = (a: string, b: string) => `extract(epoch FROM (${b} - ${a})) / 3600`;

/** Working days between instants a and b of a case on `basis`, in its calendar (slaRegion: us-dmca → US). */
function workingDays(a: string, b: string, basis: string): string {
  const at = (arr: string, ts: string, zone: string) =>
    `${arr}[LEAST(GREATEST((${ts} AT TIME ZONE '${zone}')::date - $3::date, 0), cardinality(${arr}) - 1) + 1]`;
  const diff = (arr: string, zone: string) => `(${at(arr, b, zone)} - ${at(arr, a, zone)})`;
  return `CASE WHEN ${basis} = 'us-dmca' THEN ${diff('($5::int[])', 'America/New_York')} ELSE ${diff('($4::int[])', 'Asia/Shanghai')} END`;
}

@Injectable()
export class FiguresRepository {
  private readonly pool: Pool;

  constructor(db: DataSource) {
    this.pool = (db.driver as unknown as { master: Pool }).master;
  }

  private async q<T extends QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    return (await this.pool.query<T>(text, values)).rows;
  }

  /** Complaints received in the period by legal basis (index-only on complaint_received_at_idx). */
  byBasis(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT legal_basis AS key, count(*)::int AS n FROM complaint WHERE ${IN('received_at')} GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /** By channel: form, api, mail; cases older than the milestone without an intake event: unknown. */
  byChannel(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT coalesce(channel, 'unknown') AS key, count(*)::int AS n FROM complaint WHERE ${IN('received_at')} GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /** By week (Monday, Beijing time), as YYYY-MM-DD of that Monday. */
  byWeek(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT to_char(date_trunc('week', received_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD') AS key, count(*)::int AS n
         FROM complaint WHERE ${IN('received_at')} GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /** Items named by the period's complaints by kind, and the complaints naming at least one of each kind. */
  byItemKind(s: Span): Promise<KindRow[]> {
    return this.q(
      `SELECT i.kind AS key, count(*)::int AS items, count(DISTINCT c.id)::int AS complaints
         FROM complaint c JOIN complaint_item i ON i.complaint_id = c.id
        WHERE ${IN('c.received_at')} GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /**
   * Outcomes reached in the period: first decisions by kind (decided_at; a repeat filed at intake
   * is decided at receipt), withdrawals and restorations.
   */
  outcomes(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT decided_state AS key, count(*)::int AS n FROM complaint WHERE ${IN('decided_at')} GROUP BY 1
       UNION ALL SELECT 'withdrawn', count(*)::int FROM complaint WHERE ${IN('withdrawn_at')}
       UNION ALL SELECT 'restored', count(*)::int FROM complaint WHERE ${IN('restored_at')}`,
      [s.from, s.to],
    );
  }

  /** Items of the cases upheld in the period, by the remedy each item got. */
  upheldByRemedy(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT i.remedy AS key, count(*)::int AS n
         FROM complaint c JOIN complaint_item i ON i.complaint_id = c.id
        WHERE ${IN('c.decided_at')} AND c.decided_state = 'actioned' AND i.remedy IS NOT NULL GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /**
   * Median and 90th percentile (percentile_cont, interpolated) from receipt to: the receipt mail
   * sent (cases received in the period), the first review by staff, the first decision by staff
   * (a repeat decided at intake is left out) and the first restoration (each: reached in the
   * period), in hours and in working days of the case's calendar.
   */
  times(s: Span, wd: WorkingDayTables): Promise<TimeRow[]> {
    const stats = (col: string) =>
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${col}) AS median_${col},
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ${col}) AS p90_${col}`;
    return this.q(
      `WITH m AS (
         -- The receipt is queued by the intake statement itself: created_at = received_at.
         SELECT 'receipt_mail' AS key, c.received_at AS a, j.sent_at AS b, c.legal_basis
           FROM complaint c JOIN mail_job j ON j.complaint_id = c.id
          WHERE ${IN('c.received_at')} AND j.template = 'complaint-receipt' AND j.sent_at IS NOT NULL
            AND ${IN('j.created_at')}
         UNION ALL
         SELECT 'first_review', received_at, first_reviewed_at, legal_basis FROM complaint WHERE ${IN('first_reviewed_at')}
         UNION ALL
         SELECT 'decision', received_at, decided_at, legal_basis FROM complaint
          WHERE ${IN('decided_at')} AND first_reviewed_at IS NOT NULL
         UNION ALL
         SELECT 'restoration', received_at, restored_at, legal_basis FROM complaint WHERE ${IN('restored_at')}
       )
       SELECT key, count(*)::int AS cases, ${stats('hours')}, ${stats('working_days')}
         FROM (SELECT key, ${HOURS('a', 'b')} AS hours, ${workingDays('a', 'b', 'legal_basis')} AS working_days FROM m) x
        GROUP BY key`,
      [s.from, s.to, wd.start, wd.cn, wd.us],
    );
  }

  /** Cases that went past a due time falling in the period (sla_breach), by the state they were in. */
  overdueByState(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT state AS key, count(DISTINCT complaint_id)::int AS n FROM sla_breach WHERE ${IN('due_at')} GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /** The same, by the moderator holding the case (its assignee, else who decided it); key '' for nobody. */
  overdueByModerator(s: Span): Promise<StaffCount[]> {
    return this.q(
      `SELECT coalesce(u.id::text, '') AS key, u.display_name AS name, count(DISTINCT b.complaint_id)::int AS n
         FROM sla_breach b JOIN complaint c ON c.id = b.complaint_id
         LEFT JOIN staff_user u ON u.id = coalesce(c.assignee_id, c.decided_by)
        WHERE ${IN('b.due_at')} GROUP BY 1, 2`,
      [s.from, s.to],
    );
  }

  /** Counter-notices filed and decided (by outcome), restorations and litigation holds begun in the period. */
  legalProcess(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT 'counter_notices_filed' AS key, count(*)::int AS n FROM counter_notice WHERE ${IN('created_at')}
       UNION ALL
       SELECT 'counter_notices_' || status, count(*)::int FROM counter_notice
        WHERE ${IN('created_at')} AND status <> 'pending' GROUP BY status
       UNION ALL SELECT 'restorations', count(*)::int FROM complaint WHERE ${IN('restored_at')}
       UNION ALL
       SELECT 'litigation_holds', count(*)::int FROM litigation_proof WHERE status = 'accepted' AND ${IN('decided_at')}`,
      [s.from, s.to],
    );
  }

  /** First appeals filed in the period: how many, how many decided, how many reversed the decision appealed. */
  async appeals(s: Span): Promise<AppealRow> {
    const [row] = await this.q<AppealRow>(
      `SELECT count(*)::int AS filed, count(appeal_outcome)::int AS decided,
              count(*) FILTER (WHERE appeal_reversed)::int AS reversed
         FROM complaint WHERE ${IN('appealed_at')}`,
      [s.from, s.to],
    );
    return row;
  }

  /**
   * Per staff member, from the period's transitions: cases claimed (received → in_review), decisions
   * taken (a first decision, an appeal decided or a restoration on appeal), and the median hours
   * from receipt to their first decisions.
   */
  workload(s: Span): Promise<WorkloadRow[]> {
    const decided = `e.payload ->> 'from' IN ('received', 'in_review', 'escalated', 'appeal_review')
                     AND e.payload ->> 'to' IN ('actioned', 'rejected', 'duplicate', 'not_processed', 'restored')`;
    return this.q(
      `SELECT u.id::text AS key, u.display_name AS name,
              count(*) FILTER (WHERE e.payload ->> 'from' = 'received' AND e.payload ->> 'to' = 'in_review')::int AS claimed,
              count(*) FILTER (WHERE ${decided})::int AS decided,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${HOURS('c.received_at', 'e.occurred_at')})
                FILTER (WHERE ${decided} AND e.payload ->> 'from' <> 'appeal_review') AS median_hours
         FROM audit_event e
         JOIN staff_user u ON u.id::text = e.actor_id
         JOIN complaint c ON c.id = e.subject_id::uuid
        WHERE e.action = 'complaint.transition' AND ${IN('e.occurred_at')}
          AND e.subject_type = 'complaint' AND e.actor_type IN ('moderator', 'admin')
        GROUP BY u.id, u.display_name`,
      [s.from, s.to],
    );
  }
}
