/**
 * The dashboard's defences, as one Hono middleware run before every route:
 *
 * 1. **Host check** (DNS rebinding): the `Host` header must be `127.0.0.1:PORT` or
 *    `localhost:PORT`, else 403. A page on another site that rebinds its name to 127.0.0.1 sends its
 *    own name as Host, so it never gets an answer.
 * 2. **Token, used once**: `serve` prints `http://127.0.0.1:PORT/?token=T` once. The first request
 *    carrying `?token=T` gets a new random session id in an HttpOnly, SameSite=Strict cookie and a
 *    redirect to the same URL without the token; the token is then void: another use gets 401
 *    (unless it comes with the session cookie: a reload of the sign-in URL in the signed-in
 *    browser is just redirected). The token never becomes the cookie, so a token seen in a shell
 *    history or a screen share signs nobody in once it has been used. No valid token or session
 *    cookie → 401. (Static assets are public: they hold nothing secret, and the 401 page uses the
 *    stylesheet.)
 * 3. **Origin check**: state-changing requests are POST only (other methods → 405) and must come
 *    from this origin: `Origin` (or, without it, `Referer`) must be `http://127.0.0.1:PORT` or
 *    `http://localhost:PORT`, else 403. Together with SameSite=Strict this stops cross-site form
 *    posts.
 * 4. **Headers** on every response: a strict Content-Security-Policy (no inline script or style),
 *    `nosniff`, no framing, no caching, same-origin referrers.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

/** The Content-Security-Policy of every response. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The headers every response gets. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** A new random secret (sign-in token, session id): 32 bytes, URL-safe base64. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the middleware needs to know; `port` is read per request (it is known after listening). */
export interface SecurityConfig {
  /** The one-time sign-in token printed in the URL. */
  token: string;
  /** The port the server listens on. */
  port: number;
}

/** The session cookie's name: one per port, so two dashboards on one machine do not clash. */
export function cookieName(port: number): string {
  return `iam_refine_${port}`;
}

/** The `Host` values accepted on `port`. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** The origins accepted for state-changing requests on `port`. */
export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

/** Paths served without the token (public, secret-free assets). */
function isPublicPath(path: string): boolean {
  return path.startsWith('/static/') || path === '/favicon.ico';
}

/** Constant-time string comparison (compares digests, so lengths may differ). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** The origin a state-changing request claims: `Origin`, else the origin of `Referer`. */
export function requestOrigin(headers: Headers): string | undefined {
  const origin = headers.get('origin');
  if (origin !== null) return origin;
  const referer = headers.get('referer');
  if (referer === null) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** A small HTML page for refusals (no user input is echoed). */
function refusal(c: Context, status: 401 | 403 | 405, title: string, text: string): Response {
  const body =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    `<title>${title} · iam-refine</title><link rel="stylesheet" href="/static/app.css"></head>` +
    `<body><main class="refusal"><h1>${title}</h1><p>${text}</p></main></body></html>`;
  return c.html(body, status);
}

/** The middleware implementing checks 1–4 (see the module comment). */
export function security(config: SecurityConfig): MiddlewareHandler {
  /** The session id the token was exchanged for (undefined until the token is used). */
  let session: string | undefined;
  return async (c, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    const { port, token } = config;

    const host = c.req.header('host');
    if (host === undefined || !allowedHosts(port).includes(host.toLowerCase())) {
      return refusal(
        c,
        403,
        'Forbidden',
        'This dashboard answers only to http://127.0.0.1 and http://localhost on its own port.',
      );
    }

    const method = c.req.method;
    const safeMethod = method === 'GET' || method === 'HEAD';
    if (!safeMethod && method !== 'POST') {
      c.header('Allow', 'GET, HEAD, POST');
      return refusal(c, 405, 'Method not allowed', 'Only GET and POST are used here.');
    }

    if (isPublicPath(c.req.path) && safeMethod) {
      await next();
      return;
    }

    const cookie = getCookie(c, cookieName(port));
    const signedIn = cookie !== undefined && session !== undefined && sameSecret(cookie, session);

    const url = new URL(c.req.url);
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      if (!safeMethod || !sameSecret(offered, token)) {
        return refusal(
          c,
          401,
          'Not signed in',
          'The token in this URL is not valid. Open the URL that iam-refine serve printed.',
        );
      }
      if (session === undefined) {
        // The first use: a new session, and the token is void from now on.
        session = newToken();
        setCookie(c, cookieName(port), session, {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/',
        });
      } else if (!signedIn) {
        return refusal(
          c,
          401,
          'Not signed in',
          'This sign-in URL was already used: it signs in one browser, once. Restart iam-refine serve for a new one.',
        );
      }
      url.searchParams.delete('token');
      const query = url.searchParams.toString();
      return c.redirect(`${url.pathname}${query === '' ? '' : `?${query}`}`, 303);
    }

    if (!signedIn) {
      return refusal(
        c,
        401,
        'Not signed in',
        'Open the URL with the token that iam-refine serve printed in the terminal.',
      );
    }

    if (!safeMethod) {
      const origin = requestOrigin(c.req.raw.headers);
      if (origin === undefined || !allowedOrigins(port).includes(origin.toLowerCase())) {
        return refusal(c, 403, 'Forbidden', 'Cross-origin requests cannot change anything here.');
      }
    }
    await next();
  };
}
