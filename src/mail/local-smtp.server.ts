import { Logger } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { SMTPServer } from 'smtp-server';

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/** Files mail addressed to the contact address (InboxService.receive, set once the app is up). */
export type ContactMailHandler = (raw: Buffer) => Promise<unknown>;

export interface LocalSmtp {
  url: string;
  /**
   * Zero-config mode's contact mailbox: from now on, mail to `contactEmail` is also filed
   * through `handler` before the SMTP reply (a failure answers 451, so the sender retries).
   */
  acceptContactMail(contactEmail: string, handler: ContactMailHandler): void;
  stop(): Promise<void>;
}

/**
 * The zero-config mail sink: an SMTP server on loopback that accepts everything and files it
 * in mailbox_message, so a first run shows every message in /mailbox without a mail server.
 * It has its own small pool because it starts before (and outlives) the Nest application.
 */
export async function startLocalSmtp(databaseUrl: string, port: number): Promise<LocalSmtp> {
  const logger = new Logger('LocalMailbox');
  let contact: { address: string; handler: ContactMailHandler } | null = null;
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  // An idle connection ended by the server (PostgreSQL stopping first at shutdown, a restart) is
  // replaced on the next use; without a listener the pool's 'error' would end the process.
  pool.on('error', (err) => logger.warn(`local mailbox database connection lost: ${err.message}`));
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
        // Filed first: a failure after filing is retried by the sender and deduplicated there.
        const toContact = session.envelope.rcptTo.some((r) => r.address.toLowerCase() === contact?.address);
        Promise.resolve(contact && toContact ? contact.handler(source) : undefined)
          .then(() => store(pool, source, session.envelope))
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
    acceptContactMail: (address, handler) => {
      contact = { address: address.toLowerCase(), handler };
      logger.log(`Mail to ${address} on 127.0.0.1:${actual} is filed in the staff inbox`);
    },
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
