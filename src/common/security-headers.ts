import type { NextFunction, Request, Response } from 'express';
import helmet, { HelmetOptions } from 'helmet';

/** helmet's configuration for every response. */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      styleSrc: ["'self'", "'unsafe-inline'"],
      scriptSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
};

/**
 * helmet's headers, worked out once: with a configuration that holds no functions (no per-request
 * nonce) they are the same on every response, but helmet would rebuild the CSP text and run a dozen
 * middleware functions per request. Throws if the configuration does make them depend on the request.
 */
export function fixedHeaders(
  make: typeof helmet,
  options: Parameters<typeof helmet>[0],
): (req: Request, res: Response, next: NextFunction) => void {
  const { set, removed } = helmetOutput(make, options);
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

/** The headers helmet sets (in order) and removes with `options`, worked out once. */
function helmetOutput(
  make: typeof helmet,
  options: Parameters<typeof helmet>[0],
): { set: Array<[string, string]>; removed: string[] } {
  let dynamic = false;
  JSON.stringify(options, (_key, value: unknown) => {
    if (typeof value === 'function') dynamic = true;
    return value;
  });
  if (dynamic) throw new Error('fixedHeaders: helmet options with functions depend on the request');
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const probe = {
    setHeader: (name: string, value: string) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  let done = false;
  make(options)({} as never, probe as never, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('fixedHeaders: helmet failed');
    done = true;
  });
  if (!done) throw new Error('fixedHeaders: helmet did not finish synchronously');
  return { set, removed };
}

/**
 * The headers securityHeaders() sets, for a response that never went through Express (the intake
 * fast path): on a fresh response there is nothing for helmet to remove.
 */
export function fixedHeaderList(): Array<[string, string]> {
  return helmetOutput(helmet, HELMET_OPTIONS).set;
}

/** The helmet headers of HELMET_OPTIONS, set once per response. */
export function securityHeaders(): (req: Request, res: Response, next: NextFunction) => void {
  return fixedHeaders(helmet, HELMET_OPTIONS);
}
