import { BadRequestException, Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DomainError, ErrorCode } from '../common/domain-error';
import { toErrorBody } from '../common/http-exception.filter';
import { RateLimitService } from '../common/rate-limit.service';
import { fixedHeaderList } from '../common/security-headers';
import { ComplaintIntakeService } from './complaint-intake.service';

/** The body limit of the app's `json()` parser (app.factory.ts). */
export const JSON_BODY_LIMIT = 1024 * 1024;
const PATH = '/api/v1/complaints';
/** `application/json`, alone or with `charset=utf-8` (quoted or not, any case): what the fast path reads itself. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `POST /api/v1/complaints` with a plain JSON body, served below Nest and Express (issue 6: Node's
 * HTTP stack, Express's ~55 layers and Nest's router were most of the CPU a filing cost).
 *
 * It answers exactly what the Nest route answers (ComplaintsApiController.create behind the
 * global StaffAuthGuard, IntakeRateLimitGuard and AllExceptionsFilter, after the middleware of
 * app.factory.ts), tested side by side with INTAKE_FAST_PATH=false in intake-fast-path.e2e-spec.ts:
 * - the same helmet headers (security-headers.ts), and `Cache-Control: no-store` on everything
 *   that got past the body parser (a body that does not parse is answered before that middleware,
 *   without it, as Express does);
 * - the same body parsing: a body that is not one JSON object (or array) is re-read by the app's
 *   own `json()` parser, so its 400 says what body-parser says;
 * - the same rate limit (RateLimitService.consumeIntake, spent after the body is parsed and before
 *   validation, with Retry-After on a 429) on the client address Express would use (`trust proxy`);
 * - the same service call (validation with the plain fast path and the decorators' 422 details,
 *   idempotency, the one-round-trip insert), and the same status, Location, Idempotent-Replayed,
 *   JSON body and weak ETag; errors as {statusCode, code, message, details}, a 5xx logged.
 *
 * Anything else goes to Express unchanged, decided from the request line and headers alone (no
 * byte of the body read): another method or path (a query string, a trailing slash or another
 * case too), multipart and every other content type or charset, a Content-Encoding, no or a too
 * large Content-Length (Express answers 413), and an Authorization header (the staff guard looks
 * a bearer token up even on a public route).
 */
export class IntakeFastPath {
  private readonly logger = new Logger('Errors');
  private readonly securityHeaders: Array<[string, string]>;
  private readonly trustProxy: (addr: string | undefined, i: number) => boolean;
  private readonly etag: (body: string | Buffer, encoding?: string) => string;
  private readonly ipOf: (req: IncomingMessage) => string | undefined;

  constructor(
    private readonly intake: ComplaintIntakeService,
    private readonly limits: RateLimitService,
    express: { get(setting: string): unknown },
    securityHeaders: Array<[string, string]>,
  ) {
    this.securityHeaders = securityHeaders;
    this.trustProxy = express.get('trust proxy fn') as (addr: string | undefined, i: number) => boolean;
    this.etag = express.get('etag fn') as (body: string | Buffer, encoding?: string) => string;
    // Express's req.ip: proxy-addr over the socket address and X-Forwarded-For with `trust proxy`.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const proxyaddr = require('proxy-addr') as (req: IncomingMessage, trust: unknown) => string;
    this.ipOf = (req) => proxyaddr(req, this.trustProxy);
  }

  /** Whether this request is one the fast path serves; decided before any of the body is read. */
  static takes(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || req.url !== PATH) return false;
    const h = req.headers;
    if (h.authorization !== undefined || h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined)
      return false;
    const type = h['content-type'];
    if (type === undefined || !PLAIN_JSON.test(type)) return false;
    const length = h['content-length'];
    if (length === undefined || !/^[0-9]+$/.test(length)) return false;
    const n = Number(length);
    return n > 0 && n <= JSON_BODY_LIMIT;
  }

  /** Puts the fast path in front of the server's request listeners (Express's), which get everything else. */
  install(server: Server): void {
    const others = server.listeners('request') as Listener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (IntakeFastPath.takes(req)) this.serve(req, res);
      else for (const l of others) l.call(server, req, res);
    });
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    const expected = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    req.on('end', () => {
      if (received !== expected) return; // Node's parser never ends a body short of its length
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
      this.handle(req, res, raw).catch((err: unknown) => this.fail(req, res, err, true));
    });
    // An aborted upload: nobody is left to answer (Express's parser would answer a closed socket too).
    req.on('error', () => undefined);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    let body = quickParse(raw);
    if (body === undefined) {
      // Not a plain JSON object: the app's own parser decides, and words its 400.
      const parsed = await parseLikeExpress(req, raw);
      if ('error' in parsed) return this.fail(req, res, mapBodyError(parsed.error), false);
      body = parsed.body;
    }
    const ip = this.ipOf(req);
    await this.limits.consumeIntake(ip);
    const key = req.headers['idempotency-key'];
    const result = await this.intake.submit(body, [], {
      idempotencyKey: typeof key === 'string' ? key : undefined,
      ip,
      channel: 'api',
    });
    const headers = this.headers(true);
    if (result.replayed) headers.push(['Idempotent-Replayed', 'true']);
    headers.push(['Location', `/api/v1/complaints/${result.reference}`]);
    this.send(res, 201, headers, { reference: result.reference, state: result.state, trackingUrl: result.trackingUrl });
  }

  /** AllExceptionsFilter for an API path: the error body, Retry-After, a 5xx logged with its stack. */
  private fail(req: IncomingMessage, res: ServerResponse, err: unknown, noStore: boolean): void {
    const body = toErrorBody(err);
    if (body.statusCode >= 500)
      this.logger.error(`${req.method} ${PATH}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (res.headersSent) return;
    const headers = this.headers(noStore);
    if (err instanceof DomainError && (err.code === ErrorCode.RATE_LIMITED || err.code === ErrorCode.UNAVAILABLE)) {
      const d = err.details as { retryAfterSeconds?: number };
      if (d?.retryAfterSeconds) headers.push(['Retry-After', String(d.retryAfterSeconds)]);
    }
    this.send(res, body.statusCode, headers, body);
  }

  private headers(noStore: boolean): Array<[string, string]> {
    const list = this.securityHeaders.slice();
    if (noStore) list.push(['Cache-Control', 'no-store']);
    return list;
  }

  /**
   * What Express's res.json() sends: the JSON, its type with charset, its length and weak ETag. The
   * body goes as a string, which Node writes in one piece with the head (a Buffer takes a writev).
   */
  private send(res: ServerResponse, status: number, headers: Array<[string, string]>, value: unknown): void {
    const text = JSON.stringify(value);
    for (const [name, v] of headers) res.setHeader(name, v);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', String(Buffer.byteLength(text, 'utf8')));
    res.setHeader('ETag', this.etag(text, 'utf8'));
    res.statusCode = status;
    res.end(text, 'utf8');
  }
}

/** A body whose first non-blank byte is `{` and that JSON.parse takes: what body-parser returns too. */
function quickParse(raw: Buffer): unknown {
  let i = 0;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x09 || raw[i] === 0x0a || raw[i] === 0x0d)) i++;
  if (raw[i] !== 0x7b) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const appJson = json({ limit: JSON_BODY_LIMIT });

/** Runs the app's json() parser over the bytes already read, with the request's headers. */
function parseLikeExpress(req: IncomingMessage, raw: Buffer): Promise<{ body: unknown } | { error: unknown }> {
  const replay = Object.assign(Readable.from([raw]), { headers: req.headers, method: req.method, url: req.url });
  return new Promise((resolve) => {
    appJson(replay as never, {} as never, (err?: unknown) =>
      resolve(err ? { error: err } : { body: (replay as unknown as { body: unknown }).body }),
    );
  });
}

/** Nest's mapping of an error from Express middleware (RoutesResolver.mapExternalException). */
function mapBodyError(err: unknown): unknown {
  if ((err instanceof SyntaxError || err instanceof URIError) && (err as { status?: number }).status === 400)
    return new BadRequestException(err.message);
  return err;
}

/** Installs the fast path on the app's HTTP server (before it listens). */
export function installIntakeFastPath(app: NestExpressApplication): void {
  const express = app.getHttpAdapter().getInstance() as { get(setting: string): unknown };
  new IntakeFastPath(app.get(ComplaintIntakeService), app.get(RateLimitService), express, fixedHeaderList()).install(
    app.getHttpServer(),
  );
}
