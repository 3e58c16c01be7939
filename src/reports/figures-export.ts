import type { Response } from 'express';
import { ValidationError } from '../common/domain-error';
import type { ReportPeriod } from './report-period';

/** `by-basis.csv` → section and format; without an extension, `fallback`. */
export function splitSectionFile(file: string, fallback: 'csv' | 'json'): { section: string; format: 'csv' | 'json' } {
  const m = /^(.+?)(?:\.(csv|json))?$/.exec(file);
  return { section: m?.[1] ?? file, format: (m?.[2] as 'csv' | 'json' | undefined) ?? fallback };
}

export function parseFormat(v: unknown, fallback: 'csv' | 'json'): 'csv' | 'json' {
  if (v === undefined || v === '') return fallback;
  if (v === 'csv' || v === 'json') return v;
  throw new ValidationError([{ field: 'format', rule: 'invalid', message: 'csv or json' }]);
}

/** Sends one section as a download named after the section and the period. */
export function sendSection(
  res: Response,
  body: string | object,
  format: 'csv' | 'json',
  section: string,
  period: ReportPeriod,
): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader(
    'Content-Disposition',
    `attachment; filename="${section}-${period.firstDay}-${period.lastDay}.${format}"`,
  );
  if (format === 'csv') res.type('text/csv; charset=utf-8').send(body);
  else res.type('application/json; charset=utf-8').send(JSON.stringify(body));
}
