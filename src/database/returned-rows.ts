/**
 * The rows of an UPDATE or DELETE … RETURNING run through TypeORM's `query()`, which answers
 * those with `[rows, affectedCount]` (a SELECT or INSERT answers the rows alone). Reading the
 * pair as rows makes every such statement look like it touched something.
 */
export function returnedRows<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (Array.isArray(r[0]) && r.length === 2 && typeof r[1] === 'number' ? r[0] : r) as T[];
}
