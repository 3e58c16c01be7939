import { classifyFailure, describeFailure, maskAddress, retryDelayMs } from './mail-failure';

describe('mail failure policy', () => {
  it('retries 4xx replies and connection errors, gives up on 5xx and on messages that cannot be sent', () => {
    expect(classifyFailure({ responseCode: 451, code: 'EMESSAGE' })).toBe('retry');
    expect(classifyFailure({ responseCode: 421 })).toBe('retry');
    expect(classifyFailure({ code: 'ECONNREFUSED' })).toBe('retry');
    expect(classifyFailure({ code: 'ETIMEDOUT' })).toBe('retry');
    expect(classifyFailure({ code: 'ESOCKET' })).toBe('retry');
    expect(classifyFailure({ responseCode: 550, code: 'EENVELOPE' })).toBe('permanent');
    expect(classifyFailure({ responseCode: 552 })).toBe('permanent');
    expect(classifyFailure({ code: 'EENVELOPE', message: 'No recipients defined' })).toBe('permanent');
    expect(classifyFailure({ code: 'EMESSAGE', message: 'cannot build' })).toBe('permanent');
    // nodemailer's error for a connection dropped after DATA carries no code: the server never refused.
    expect(classifyFailure(new Error('Unexpected socket close'))).toBe('retry');
    expect(classifyFailure({ code: 'ETLS', message: 'Unexpected socket close' })).toBe('retry');
  });

  it('backs off exponentially, capped at one hour, with at most 10% jitter', () => {
    expect(retryDelayMs(1, 30_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(2, 30_000, () => 0)).toBe(60_000);
    expect(retryDelayMs(4, 30_000, () => 0)).toBe(240_000);
    expect(retryDelayMs(20, 30_000, () => 0)).toBe(3_600_000);
    expect(retryDelayMs(20, 30_000, () => 0.999)).toBeLessThanOrEqual(3_960_000);
    expect(retryDelayMs(1, 100, () => 0.5)).toBe(105);
  });

  it('never puts SMTP credentials into last_error', () => {
    const err = Object.assign(new Error('connect failed for smtp://desk:s3cret@mail.example:587'), {
      code: 'ECONNREFUSED',
    });
    const text = describeFailure(err);
    expect(text).toBe('ECONNREFUSED connect failed for smtp://***@mail.example:587');
    expect(describeFailure({ responseCode: 550, code: 'EMESSAGE', response: '550 5.1.1 mailbox unavailable' })).toBe(
      'EMESSAGE 550 5.1.1 mailbox unavailable',
    );
    expect(describeFailure({ responseCode: 451, message: 'try later' })).toBe('451 try later');
  });

  it('masks addresses for logs and the audit trail', () => {
    expect(maskAddress('zhang.san@example.com')).toBe('z***@example.com');
    expect(maskAddress('nonsense')).toBe('***');
  });
});
