import type { EntityManager } from 'typeorm';
import { ValidationError } from '../common/domain-error';
import type { AppConfig } from '../config/config';
import { DECISION_TEMPLATES, DecisionWithoutReasonsError, MailOutbox } from './mail-outbox';

/** A stand-in transaction that records what would be written (pure logic: no database needed). */
function fakeTx(): { tx: EntityManager; queries: unknown[][] } {
  const queries: unknown[][] = [];
  const tx = {
    query: (sql: string, params: unknown[]) => {
      queries.push([sql, params]);
      return Promise.resolve([]);
    },
  } as unknown as EntityManager;
  return { tx, queries };
}

describe('MailOutbox: a decision mail states its reasons or is not queued', () => {
  const outbox = new MailOutbox({
    mailFrom: 'Desk <desk@news.example>',
    publicBaseUrl: 'https://desk.example',
  } as AppConfig);
  const job = (template: string, payload: Record<string, unknown>) => ({
    template,
    locale: 'en' as const,
    to: 'someone@example.test',
    payload: { reference: 'ND-2026-000001', ...payload },
  });

  it.each(DECISION_TEMPLATES.map((t) => [t]))('refuses %s without reasons, writing nothing', async (template) => {
    for (const reason of [undefined, null, '', '   \n', 42]) {
      const { tx, queries } = fakeTx();
      await expect(outbox.enqueue(tx, job(template, { reason }))).rejects.toBeInstanceOf(DecisionWithoutReasonsError);
      expect(queries).toHaveLength(0);
    }
  });

  it('answers as a 422 on the reasons field, whoever asked for the decision', async () => {
    const err = await outbox.enqueue(fakeTx().tx, job('owner-notice', {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual([expect.objectContaining({ field: 'reason', rule: 'required' })]);
  });

  it('queues a decision mail with reasons, and other mail without any', async () => {
    const { tx, queries } = fakeTx();
    await outbox.enqueue(tx, job('complaint-actioned', { reason: 'The photograph is the complainant’s.' }));
    await outbox.enqueue(tx, job('complaint-receipt', {}));
    await outbox.enqueue(tx, job('complaint-duplicate', { earlierReference: 'ND-2026-000000' }));
    expect(queries).toHaveLength(3);
    const [, params] = queries[0] as [string, unknown[]];
    expect(params[1]).toBe('complaint-actioned');
    expect(params[4]).toMatch(/^<[0-9a-f-]{36}@news\.example>$/);
  });

  it('send() queues one named message with its typed payload, and keeps the reasons rule', async () => {
    const { tx, queries } = fakeTx();
    const base = { reference: 'ND-2026-000001', complainantName: 'Pat', legalBasis: 'eu-dsa' };
    await expect(
      outbox.send(tx, 'complaint-rejected', 'pat@example.test', 'en', {
        ...base,
        reason: ' ',
        trackingUrl: null,
        appealUntil: '2027-05-01T00:00:00Z',
      }),
    ).rejects.toBeInstanceOf(DecisionWithoutReasonsError);
    await outbox.send(
      tx,
      'complaint-closed-no-answer',
      'pat@example.test',
      'zh-CN',
      { ...base, requestedAt: null, days: 14, workingDays: false, trackingUrl: null },
      'c1',
    );
    expect(queries).toHaveLength(1);
    const [, params] = queries[0] as [string, unknown[]];
    expect(params.slice(1, 4)).toEqual(['complaint-closed-no-answer', 'zh-CN', 'pat@example.test']);
    expect(JSON.parse(params[5] as string)).toMatchObject({ trackingUrl: null, days: 14 });
    expect(params[6]).toBe('c1');
  });
});
