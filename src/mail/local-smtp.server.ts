import { Logger } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { SMTPServer } from 'smtp-server';

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/**
 * The zero-config mail sink: an SMTP server on loopback that accepts everything and files it
 * in mailbox_message, so a first run shows every message in /mailbox without a mail server.
 * It has its own small pool because it starts before (and outlives) the Nest application.
 */
export async function startLocalSmtp(
  databaseUrl: string,
  port: number,
): Promise<{ url: string; stop(): Promise<void> }> {
  const logger = new Logger('LocalMailbox');
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    banner: 'Notice Desk local mailbox',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error('Message exceeds the 25 MB limit'), { responseCode: 552 }));
          return;
        }
        const source = Buffer.concat(chunks);
        store(pool, source, session.envelope)
          .then(() => callback())
          .catch((err: Error) => {
            logger.warn(`could not store a message: ${err.message}`);
            // 451: the sender keeps the message and retries; nothing is lost to a DB hiccup.
            callback(Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 }));
          });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err: Error) => logger.warn(`SMTP error: ${err.message}`));
  const actual = (server.server.address() as AddressInfo).port;
  logger.log(`Local mailbox SMTP listening on 127.0.0.1:${actual}`);
  return {
    url: `smtp://127.0.0.1:${actual}`,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

interface Envelope {
  mailFrom: false | { address: string };
  rcptTo: Array<{ address: string }>;
}

async function store(pool: Pool, source: Buffer, envelope: Envelope): Promise<void> {
  const parsed = await simpleParser(source);
  // text columns refuse NUL bytes; a raw message never needs them.
  const raw = source.toString('utf8').replaceAll('\u0000', '');
  await pool.query(
    `INSERT INTO mailbox_message (envelope_from, envelope_to, subject, message_id, raw) VALUES ($1, $2, $3, $4, $5)`,
    [
      envelope.mailFrom ? envelope.mailFrom.address : null,
      envelope.rcptTo.map((r) => r.address),
      parsed.subject ?? null,
      parsed.messageId ?? null,
      raw,
    ],
  );
}
