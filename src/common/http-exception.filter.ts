import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, ErrorCode, statusForCode } from './domain-error';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details: unknown;
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return ErrorCode.BAD_REQUEST;
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 413) return ErrorCode.PAYLOAD_TOO_LARGE;
  if (status === 415) return ErrorCode.UNSUPPORTED_MEDIA_TYPE;
  if (status === 422) return ErrorCode.VALIDATION;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status === 503) return ErrorCode.UNAVAILABLE;
  return ErrorCode.INTERNAL;
}

/** Express / body-parser / multer errors carry a `type` or `code` and a status. */
function fromLowerLayers(err: unknown): ErrorBody | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as {
    type?: string;
    code?: string;
    status?: number;
    statusCode?: number;
    message?: string;
    field?: string;
  };
  if (e.type === 'entity.parse.failed')
    return { statusCode: 400, code: ErrorCode.BAD_REQUEST, message: 'Malformed JSON body', details: null };
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE' || e.code === 'LIMIT_FIELD_VALUE')
    return {
      statusCode: 413,
      code: ErrorCode.PAYLOAD_TOO_LARGE,
      message: 'Request body or file too large',
      details: e.field ? { field: e.field } : null,
    };
  if (
    e.code === 'LIMIT_FILE_COUNT' ||
    e.code === 'LIMIT_UNEXPECTED_FILE' ||
    e.code === 'LIMIT_PART_COUNT' ||
    e.code === 'LIMIT_FIELD_COUNT'
  )
    return {
      statusCode: 422,
      code: ErrorCode.VALIDATION,
      message: 'Too many or unexpected files',
      details: [
        {
          field: e.field ?? 'evidence',
          rule: 'fileCount',
          message: 'At most 5 evidence files, 1 authorisation file and 1 identity document',
        },
      ],
    };
  if (e.type === 'entity.verify.failed' || e.type === 'charset.unsupported' || e.type === 'encoding.unsupported')
    return {
      statusCode: 415,
      code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      message: e.message ?? 'Unsupported body',
      details: null,
    };
  return undefined;
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    return {
      statusCode: statusForCode(exception.code),
      code: exception.code,
      message: exception.message,
      details: exception.details ?? null,
    };
  }
  const lower = fromLowerLayers(exception);
  if (lower) return lower;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? exception.message);
    const cause = fromLowerLayers((exception as { cause?: unknown }).cause);
    if (cause) return cause;
    return {
      statusCode: status,
      code: codeForStatus(status),
      message: Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message,
      details: null,
    };
  }
  return { statusCode: 500, code: ErrorCode.INTERNAL, message: 'Internal error', details: null };
}

/** One JSON shape for every API error: { statusCode, code, message, details }. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error(
        `${req.method} ${req.path}: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
      );
    }
    if (res.headersSent) return;
    if (
      exception instanceof DomainError &&
      (exception.code === ErrorCode.RATE_LIMITED || exception.code === ErrorCode.UNAVAILABLE)
    ) {
      const d = exception.details as { retryAfterSeconds?: number };
      if (d?.retryAfterSeconds) res.setHeader('Retry-After', String(d.retryAfterSeconds));
    }
    const wantsHtml = !req.path.startsWith('/api/') && req.accepts(['json', 'html']) === 'html';
    if (wantsHtml) {
      res
        .status(body.statusCode)
        .render(
          'error',
          { title: String(body.statusCode), error: body, locale: (res.locals.locale as string | undefined) ?? 'zh-CN' },
          (err, html) => {
            if (err) res.status(body.statusCode).type('text/plain').send(`${body.statusCode} ${body.message}`);
            else res.send(html);
          },
        );
      return;
    }
    res.status(body.statusCode).json(body);
  }
}
