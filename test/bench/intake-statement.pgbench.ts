/**
 * Writes a pgbench script that runs the intake statement itself (INTAKE_SQL, the per-complainant
 * advisory lock first, in one transaction) with the parameters a bench filing sends: eu-dsa, one
 * article item, no files, no Idempotency-Key, a new address per transaction. Compare it with
 * test/bench/intake-floor.pgbench.sql in the same run to see the database's cost per filing apart
 * from Node's (test/bench/README.md, "The statement alone").
 *
 *   npx ts-node --transpile-only test/bench/intake-statement.pgbench.ts <article uuid> > /tmp/intake-statement.sql
 *   pgbench -n -M prepared -c 32 -j 2 -T 10 -f /tmp/intake-statement.sql <database>
 *
 * Mail job ids and Message-IDs must be unique: the script puts fresh UUIDs into $15 with
 * replace(), which adds two gen_random_uuid() calls and a text replace to what the app sends.
 */
import { INTAKE_SQL } from '../../src/complaints/complaint-intake.service';

const articleId = process.argv[2];
if (!articleId || !/^[0-9a-f-]{36}$/.test(articleId)) {
  process.stderr.write('usage: intake-statement.pgbench.ts <article uuid>\n');
  process.exit(2);
}

// pgbench takes every :name outside a :: cast for a variable, in literals too: a space after each
// JSON colon keeps it out (same JSON).
const lit = (s: string) => `'${s.replace(/'/g, "''").replace(/":/g, '": ')}'`;
const email = `('bench-' || :client_id::text || '-' || :n::text || '@example.invalid')`;
const mailItems = [{ kind: 'article', articleTitle: 'Bench article', articleUrl: 'http://x/articles/a', detail: null }];
const mails = [
  {
    id: '@R@',
    template: 'complaint-receipt',
    locale: 'en',
    to_address: 'bench@example.invalid',
    message_id: '<@R@@example.invalid>',
    on: 'received',
    in_reply_to: null,
    reply_references: null,
    payload: { trackingUrl: null, legalBasis: 'eu-dsa', complainantName: 'Bench 1', items: mailItems },
  },
  {
    id: '@J@',
    template: 'complaint-joined',
    locale: 'en',
    to_address: 'bench@example.invalid',
    message_id: '<@J@@example.invalid>',
    on: 'duplicate',
    payload: { trackingUrl: null, legalBasis: 'eu-dsa', items: mailItems },
  },
  {
    id: '@B@',
    template: 'complaint-renotice-barred',
    locale: 'en',
    to_address: 'bench@example.invalid',
    message_id: '<@B@@example.invalid>',
    on: 'barred',
    payload: { legalBasis: 'eu-dsa', complainantName: 'Bench 1', items: mailItems },
  },
  {
    id: '@N@',
    template: 'complaint-notice',
    locale: 'zh-CN',
    to_address: 'desk@example.invalid',
    message_id: '<@N@@example.invalid>',
    on: 'received',
    payload: {
      legalBasis: 'eu-dsa',
      complainantName: 'Bench 1',
      complainantEmail: 'bench@example.invalid',
      organisation: null,
      actingFor: null,
      items: mailItems,
      explanationExcerpt: 'Benchmark complaint: this statement about me is false and defamatory.',
      evidenceCount: 0,
    },
  },
];
// One UUID per mail: the app sends the same id in both places (mail_job.id and its Message-ID).
let mailsSql = lit(JSON.stringify(mails));
for (const tag of ['@R@', '@J@', '@B@', '@N@']) mailsSql = `replace(${mailsSql}, '${tag}', gen_random_uuid()::text)`;

const params: Record<number, string> = {
  1: `'eu-dsa'`,
  2: `'en'`,
  3: `jsonb_build_object('name', 'Bench ' || :n::text, 'email', ${email})::text`,
  4: email,
  5: 'NULL',
  6: lit('Benchmark complaint: this statement about me is false and defamatory.'),
  7: lit(JSON.stringify({ truthful: true, goodFaith: true, perjury: false, signature: null })),
  8: `md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text)`,
  9: `ARRAY[${lit(articleId)}]`,
  10: 'NULL',
  11: `md5(:n::text)`,
  12: lit(
    JSON.stringify([
      { position: 1, kind: 'article', article_id: articleId, image_id: null, article_url: 'http://x/a', detail: null },
    ]),
  ),
  13: `'[]'`,
  14: lit(
    JSON.stringify({
      channel: 'api',
      legalBasis: 'eu-dsa',
      locale: 'en',
      items: [{ kind: 'article', articleId, imageId: null }],
      files: [],
    }),
  ),
  15: mailsSql,
  16: `'http://127.0.0.1:3000/staff/complaints/'`,
  17: `'Bench article'`,
  18: '24',
  19: 'NULL',
  20: '0',
  21: `'rights_holder'`,
  22: `'api'`,
};

// Parameters become typed expressions: each $n is used with the type the app's Bind leaves to the
// server, which is text for every value pg sends; the statement's own casts then apply.
const sql = INTAKE_SQL.replace(/\$(\d+)/g, (_, n: string) => {
  const p = params[Number(n)];
  if (p === undefined) throw new Error(`no value for $${n}`);
  return `(${p})::text`;
})
  // $9 is cast to uuid[] and $18/$20 to int in the statement itself; ::text then ::uuid[] is fine.
  .replace(/\(ARRAY\[('[0-9a-f-]{36}')\]\)::text/g, `(ARRAY[$1])::text[]`)
  // to_char's HH24:MI:SS likewise (chr(58) is folded into the constant at plan time).
  .replace(/HH24:MI:SS/g, `HH24' || chr(58) || 'MI' || chr(58) || 'SS`)
  .replace(/--[^\n]*\n/g, '\n') // one line for pgbench: comments would swallow the rest
  .trim()
  .replace(/\s*\n\s*/g, ' ');

process.stdout.write(
  [
    '-- Generated by test/bench/intake-statement.pgbench.ts: the intake statement with bench parameters.',
    '\\set n random(1, 2000000000)',
    'BEGIN;',
    `SELECT pg_advisory_xact_lock(hashtextextended(${email}, 0));`,
    `${sql};`,
    'COMMIT;',
    '',
  ].join('\n'),
);
