import helmet from 'helmet';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixedHeaders, HELMET_OPTIONS, securityHeaders } from './security-headers';

type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/** The headers a real response carries with the middleware in front. */
async function headersWith(middleware: Middleware): Promise<http.IncomingHttpHeaders> {
  const server = http.createServer((req, res) => middleware(req, res, () => res.end('ok')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const out: http.IncomingHttpHeaders = {};
    res.headers.forEach((v, k) => {
      if (k !== 'date') out[k] = v;
    });
    return out;
  } finally {
    server.close();
  }
}

describe('securityHeaders', () => {
  it('sets exactly the headers helmet sets with the same options', async () => {
    const fixed = await headersWith(securityHeaders() as unknown as Middleware);
    expect(fixed).toEqual(await headersWith(helmet(HELMET_OPTIONS)));
    expect(fixed['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(fixed['x-content-type-options']).toBe('nosniff');
  });

  it('refuses options that would make the headers depend on the request', () => {
    expect(() =>
      fixedHeaders(helmet, {
        contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } },
      }),
    ).toThrow(/depend on the request/);
  });
});
