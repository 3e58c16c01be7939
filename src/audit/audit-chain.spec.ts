import { eventDigest, GENESIS_HASH, seal, SealedEvent, sealHash } from './audit-chain';

describe('seal', () => {
  it('gives the same hash and digests as sealHash and eventDigest, canonicalizing each event once', () => {
    const events: SealedEvent[] = [
      {
        id: '1',
        action: 'complaint.received',
        payload: { z: 1, a: [true, null, 'é'], nested: { b: 2.5, a: '\u2028' } },
      },
      { id: '2', actorId: null, payload: {}, occurredAt: '2026-11-27T00:00:00.000000Z' },
      { id: '10', payload: { items: [{ kind: 'article', articleId: 'x' }], n: 1e21, m: -0 } },
    ];
    for (const list of [events, events.slice(0, 1), []]) {
      expect(seal(GENESIS_HASH, list)).toEqual({
        hash: sealHash(GENESIS_HASH, list),
        digests: list.map(eventDigest),
      });
    }
  });
});
