/**
 * session-cookie.ts names and writes the session cookie. A Secure cookie is named with the
 * `__Host-` prefix: browsers then accept it only over HTTPS, with Path=/ and no Domain, so neither a
 * sibling subdomain nor a plain-HTTP page on the same host can plant or overwrite it (cookie
 * tossing). Plain-HTTP local development (SESSION_COOKIE_SECURE=false) cannot use the prefix and
 * keeps the bare name. Only the configured name is ever read.
 */

const bareName = "dd_session";

/** sessionCookieName is the cookie's name: `__Host-dd_session` when Secure, else `dd_session`. */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${bareName}` : bareName;
}

/** sessionCookieHeader is the Set-Cookie value carrying `token` (empty with maxAgeSeconds 0 clears it). */
export function sessionCookieHeader(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${sessionCookieName(secure)}=${token}`,
    // Path=/ and no Domain attribute: what __Host- requires, and what scopes it to this host.
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}
