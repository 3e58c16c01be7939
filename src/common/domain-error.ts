/** Codes every module's errors map to; the exception filter turns each into one HTTP status. */
export enum ErrorCode {
  VALIDATION = 'VALIDATION',
  BAD_REQUEST = 'BAD_REQUEST',
  NOT_FOUND = 'NOT_FOUND',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  CONFLICT = 'CONFLICT',
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
  /** An edge DESIGN.md draws whose procedure does not exist yet (not_processed): nobody may take it. */
  PROCEDURE_NOT_AVAILABLE = 'PROCEDURE_NOT_AVAILABLE',
  /** The person who proposed a decision may not also take it (two-person rule). */
  SECOND_PERSON_REQUIRED = 'SECOND_PERSON_REQUIRED',
  /** An approver chose remedies reaching further than the escalation proposed. */
  WIDER_THAN_PROPOSED = 'WIDER_THAN_PROPOSED',
  /** not_processed needs a misuse warning to the complainant's address before the notice (DSA Art. 23). */
  NO_PRIOR_WARNING = 'NO_PRIOR_WARNING',
  /** An appeal is decided by staff other than those who took the decision appealed (DSA Art. 20(6)). */
  APPEAL_DECIDER_CONFLICT = 'APPEAL_DECIDER_CONFLICT',
  /** The appeal window (APPEAL_MONTHS after the decision) has ended. */
  APPEAL_WINDOW_CLOSED = 'APPEAL_WINDOW_CLOSED',
  /** This party has nothing to appeal in this case, or has appealed it already. */
  APPEAL_NOT_OPEN = 'APPEAL_NOT_OPEN',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED = 'RATE_LIMITED',
  CSRF = 'CSRF',
  UNAVAILABLE = 'UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

export interface FieldError {
  field: string;
  /** A stable key (e.g. `required`, `email`, `unknownArticle`) that pages translate. */
  rule: string;
  message: string;
}

/** Base of all domain errors; services throw these and never import HttpException. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(
    readonly fields: FieldError[],
    message = 'The request has invalid fields',
  ) {
    super(ErrorCode.VALIDATION, message, fields);
  }
}

export class NotFoundError extends DomainError {
  constructor(message = 'Not found') {
    super(ErrorCode.NOT_FOUND, message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.CONFLICT, message, details);
  }
}

export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, 'Too many requests; try again later', { retryAfterSeconds });
  }
}

/** Something the service depends on (the upload disk) cannot take the request now; retry later. */
export class StorageUnavailableError extends DomainError {
  constructor(
    reason: string,
    readonly retryAfterSeconds: number,
  ) {
    super(
      ErrorCode.UNAVAILABLE,
      'Evidence files cannot be stored right now; nothing was saved. Please send the complaint again later.',
      { reason, retryAfterSeconds },
    );
  }
}

/** Exhaustive: adding a code without a status fails to compile. */
export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.VALIDATION:
    case ErrorCode.WIDER_THAN_PROPOSED:
      return 422;
    case ErrorCode.BAD_REQUEST:
      return 400;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.FORBIDDEN:
    case ErrorCode.CSRF:
    case ErrorCode.PROCEDURE_NOT_AVAILABLE:
    case ErrorCode.SECOND_PERSON_REQUIRED:
    case ErrorCode.NO_PRIOR_WARNING:
    case ErrorCode.APPEAL_DECIDER_CONFLICT:
    case ErrorCode.APPEAL_WINDOW_CLOSED:
    case ErrorCode.APPEAL_NOT_OPEN:
      return 403;
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.CONFLICT:
    case ErrorCode.ILLEGAL_TRANSITION:
      return 409;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.UNAVAILABLE:
      return 503;
    case ErrorCode.INTERNAL:
      return 500;
    default: {
      const never: never = code;
      throw new Error(`unmapped error code ${String(never)}`);
    }
  }
}
