// The staff pages' API calls: the console session cookie, and the CSRF token on every write.
import { api } from "/static/common/api.js";

let csrf = null;

// Remember the session's CSRF token (from /api/v1/auth/session or the login answer).
export function setCsrf(token) {
  csrf = token;
}

export function csrfToken() {
  return csrf;
}

export function staff(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.method && opts.method !== "GET") headers["X-CSRF-Token"] = csrf;
  return api(path, { ...opts, token: null, headers });
}
