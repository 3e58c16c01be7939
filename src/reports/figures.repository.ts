import { Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/**
 * The statements of the period reports (/staff/reports), read-only like the rest of the module.
 * Each reads the cases whose milestone (received_at, decided_at, restored_at, …: migration
 * ReportMilestones) falls in [from, to), through that milestone's index, so a year's figures
 * never scan the audit trail.
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

/** Session settings for one report statement (SET LOCAL: they end with its transaction). */
export const REPORT_SETTINGS = `SET LOCAL work_mem = '64MB'; SET LOCAL jit = off;`;

const IN = (col: string) => `${col} >= $1 AND ${col} < $2`;
const HOURS = (a: string, b: string) => `date_part('epoch', ${b} - ${a}) / 3600`;

/**
 * Working days between instants a and b of a case on `basis`, in its calendar (slaRegion: us-dmca
 * → US). The day an instant falls on is found with arithmetic for China (UTC+8 all year, no DST
 * since 1991) and through the time zone only for the US, the costly path for a tenth of the cases.
 */
function workingDays(a: string, b: string, basis: string): string {
  const cnDay = (ts: string) =>
    `(floor((date_part('epoch', ${ts}) + 28800) / 86400)::int - ($3::date - DATE '1970-01-01'))`;
  const usDay = (ts: string) => `((${ts} AT TIME ZONE 'America/New_York')::date - $3::date)`;
  const at = (arr: string, day: string) => `${arr}[LEAST(GREATEST(${day}, 0), cardinality(${arr}) - 1) + 1]`;
  const diff = (arr: string, day: (ts: string) => string) => `(${at(arr, day(b))} - ${at(arr, day(a))})`;
  return `CASE WHEN ${basis} = 'us-dmca' THEN ${diff('($5::int[])', usDay)} ELSE ${diff('($4::int[])', cnDay)} END`;
}

@Injectable()
export class FiguresRepository {
  private readonly pool: Pool;

  constructor(db: DataSource) {
    this.pool = (db.driver as unknown as { master: Pool }).master;
  }

  /**
   * One statement in its own READ ONLY transaction with REPORT_SETTINGS: a year's sections sort and
   * hash hundreds of thousands of rows (percentiles, joins), which with the server's default 4 MB
   * spill to disk, and the JIT compilation PostgreSQL chooses for such plans costs more than it saves
   * (measured at 1,000,000 complaints: test/bench/README.md "Period reports").
   */
  private async q<T extends QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    const client = await this.pool.connect();
    let open = false;
    try {
      await client.query(`BEGIN READ ONLY; ${REPORT_SETTINGS}`);
      open = true;
      const rows = (await client.query<T>(text, values)).rows;
      await client.query('COMMIT');
      open = false;
      return rows;
    } finally {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
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

  /**
   * By week (Monday, Beijing time), as YYYY-MM-DD of that Monday. The Beijing day of each case is
   * arithmetic (UTC+8 all year, as in workingDays below) and the cases are counted by day before
   * the days are put into weeks: a time-zone conversion and date_trunc per case cost 2.5–3.5 times
   * as much over a year at 1M. 1970-01-01 (day 0) was a Thursday, so day d's Monday is d − (d + 3) mod 7.
   */
  byWeek(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT to_char(DATE '1970-01-01' + (d - (d + 3) % 7), 'YYYY-MM-DD') AS key, sum(n)::int AS n
         FROM (SELECT floor((date_part('epoch', received_at) + 28800) / 86400)::int AS d, count(*) AS n
                 FROM complaint WHERE ${IN('received_at')} GROUP BY 1) days
        GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /**
   * Items named by the period's complaints by kind, and the complaints naming at least one of each kind
   * (index-only on complaint_received_at_idx: the counts per kind are on the case, set at intake).
   */
  byItemKind(s: Span): Promise<KindRow[]> {
    return this.q(
      // One pass over the index summing the three counts, then one row per kind (a row per case and
      // kind first, LATERAL VALUES, took 3.5x as long at 1,000,000 cases).
      `SELECT k.key, k.items::int AS items, k.complaints::int AS complaints
         FROM (SELECT sum(article_items) AS a, count(*) FILTER (WHERE article_items > 0) AS ac,
                      sum(image_items) AS i, count(*) FILTER (WHERE image_items > 0) AS ic,
                      sum(passage_items) AS p, count(*) FILTER (WHERE passage_items > 0) AS pc
                 FROM complaint WHERE ${IN('received_at')}) t,
              LATERAL (VALUES ('article', t.a, t.ac), ('image', t.i, t.ic), ('passage', t.p, t.pc)) k(key, items, complaints)
        WHERE k.items > 0`,
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
  async times(s: Span, wd: WorkingDayTables): Promise<TimeRow[]> {
    // One aggregate per step (no sort of the union by step); each ordering sorted once for both percentiles.
    const step = (key: string, from: string, where: string) =>
      `SELECT '${key}' AS key, count(*)::int AS cases,
              percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY hours) AS h,
              percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY working_days) AS w
         FROM (SELECT ${HOURS('a', 'b')} AS hours, ${workingDays('a', 'b', 'legal_basis')} AS working_days
                 FROM (${from} WHERE ${where}) m) x`;
    const rows = await this.q<{ key: string; cases: number; h: number[] | null; w: number[] | null }>(
      [
        // The receipt is queued by the intake statement itself: created_at = received_at, so the
        // receipts of the cases received in the period are the receipt jobs created in it, timed
        // from created_at. The case is joined only to find those on us-dmca (the US calendar): a
        // hash of a tenth of the year's cases from complaint_us_received_idx, not all of them.
        step(
          'receipt_mail',
          `SELECT j.created_at AS a, j.sent_at AS b, CASE WHEN u.id IS NULL THEN '' ELSE 'us-dmca' END AS legal_basis FROM mail_job j
             LEFT JOIN complaint u ON u.id = j.complaint_id AND u.legal_basis = 'us-dmca' AND ${IN('u.received_at')}`,
          `j.template = 'complaint-receipt' AND j.complaint_id IS NOT NULL AND j.sent_at IS NOT NULL AND ${IN('j.created_at')}`,
        ),
        step(
          'first_review',
          `SELECT received_at AS a, first_reviewed_at AS b, legal_basis FROM complaint`,
          IN('first_reviewed_at'),
        ),
        step(
          'decision',
          `SELECT received_at AS a, decided_at AS b, legal_basis FROM complaint`,
          `${IN('decided_at')} AND first_reviewed_at IS NOT NULL`,
        ),
        step('restoration', `SELECT received_at AS a, restored_at AS b, legal_basis FROM complaint`, IN('restored_at')),
      ].join('\nUNION ALL\n'),
      [s.from, s.to, wd.start, wd.cn, wd.us],
    );
    return rows.map((r) => ({
      key: r.key,
      cases: r.cases,
      median_hours: r.h?.[0] ?? null,
      p90_hours: r.h?.[1] ?? null,
      median_working_days: r.w?.[0] ?? null,
      p90_working_days: r.w?.[1] ?? null,
    }));
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
   * Per staff member, from the milestones: the cases whose first review (a claim, as a rule) they
   * took in the period, the first decisions they took in the period, and the median hours from
   * receipt to those decisions. Appeal decisions are in the appeals section, not here.
   */
  workload(s: Span): Promise<WorkloadRow[]> {
    return this.q(
      `SELECT u.id::text AS key, u.display_name AS name, coalesce(r.claimed, 0) AS claimed,
              coalesce(d.decided, 0) AS decided, d.median_hours
         FROM (SELECT first_reviewed_by AS id, count(*)::int AS claimed FROM complaint
                WHERE ${IN('first_reviewed_at')} AND first_reviewed_by IS NOT NULL GROUP BY 1) r
         FULL JOIN (SELECT first_decided_by AS id, count(*)::int AS decided,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY ${HOURS('received_at', 'decided_at')}) AS median_hours
                      FROM complaint WHERE ${IN('decided_at')} AND first_decided_by IS NOT NULL GROUP BY 1) d ON d.id = r.id
         JOIN staff_user u ON u.id = coalesce(r.id, d.id)`,
      [s.from, s.to],
    );
  }
  /**
   * Transparency report (DSA Art. 15(1)(d), 网络信息内容生态治理规定 Art. 17): the first appeals filed
   * in the period (the appeals section's set) by the case's legal basis: filed, decided, reversed.
   */
  appealsByBasis(s: Span): Promise<Array<{ key: string; filed: number; decided: number; reversed: number }>> {
    return this.q(
      `SELECT legal_basis AS key, count(*)::int AS filed, count(appeal_outcome)::int AS decided,
              count(*) FILTER (WHERE appeal_reversed)::int AS reversed
         FROM complaint WHERE ${IN('appealed_at')} GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /** The same appeals by the outcome their decision led to (actioned, rejected, restored). */
  appealsByOutcome(s: Span): Promise<KeyCount[]> {
    return this.q(
      `SELECT appeal_outcome AS key, count(*)::int AS n
         FROM complaint WHERE ${IN('appealed_at')} AND appeal_outcome IS NOT NULL GROUP BY 1`,
      [s.from, s.to],
    );
  }

  /**
   * Hours from filing to decision of those first appeals that are decided (the first appeal row of
   * each case): count, median and 90th percentile (percentile_cont).
   */
  async appealTimes(s: Span): Promise<{ cases: number; median_hours: number | null; p90_hours: number | null }> {
    const [row] = await this.q<{ cases: number; h: number[] | null }>(
      `SELECT count(*)::int AS cases,
              percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${HOURS('a.filed_at', 'a.decided_at')}) AS h
         FROM complaint c
         JOIN LATERAL (SELECT filed_at, decided_at FROM appeal WHERE complaint_id = c.id ORDER BY filed_at, id LIMIT 1) a ON true
        WHERE ${IN('c.appealed_at')} AND a.decided_at IS NOT NULL`,
      [s.from, s.to],
    );
    return { cases: row.cases, median_hours: row.h?.[0] ?? null, p90_hours: row.h?.[1] ?? null };
  }

  /**
   * Notices acted on in the period (first decision upheld, as `outcomes` counts them) by the
   * category and ground their decision recorded (DSA Art. 15(1)(b): on the law or on the terms),
   * with the median hours from receipt to that decision. A case decided before grounds were recorded
   * (NULL) counts under its legal basis's default, as its statement does: `defaults` maps each basis
   * to { category, ground }. The columns hold the case's latest ground (an appeal decision may change it).
   */
  async actionsByCategory(
    s: Span,
    defaults: Record<string, { category: string; ground: string }>,
  ): Promise<Array<{ key: string; on_law: number; on_terms: number; median_hours: number | null }>> {
    const ground = `coalesce(decision_ground, $3::jsonb -> legal_basis ->> 'ground')`;
    return this.q(
      `SELECT coalesce(decision_category, $3::jsonb -> legal_basis ->> 'category') AS key,
              count(*) FILTER (WHERE ${ground} = 'DECISION_GROUND_ILLEGAL_CONTENT')::int AS on_law,
              count(*) FILTER (WHERE ${ground} = 'DECISION_GROUND_INCOMPATIBLE_CONTENT')::int AS on_terms,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${HOURS('received_at', 'decided_at')}) AS median_hours
         FROM complaint WHERE ${IN('decided_at')} AND decided_state = 'actioned' GROUP BY 1`,
      [s.from, s.to, JSON.stringify(defaults)],
    );
  }

  /** Misuse warnings (Art. 23 DSA) given to complainants in the period. */
  async misuseWarnings(s: Span): Promise<number> {
    const [row] = await this.q<{ n: number }>(
      `SELECT count(*)::int AS n FROM complainant_warning WHERE ${IN('created_at')}`,
      [s.from, s.to],
    );
    return row.n;
  }
}
