// Small fetch wrapper shared by every page: JSON in and out, our error shape turned into Error.
import { DEVICE as DEVICE_KEY, RESIDENT_TOKEN as TOKEN_KEY } from "/static/common/keys.js";

export class ApiError extends Error {
  constructor(body, status) {
    super((body && body.message) || "网络不太好，请稍后再试");
    this.code = body && body.code;
    this.status = status;
    this.errors = (body && body.errors) || {};
  }
}

export async function api(path, { method = "GET", body, token, headers = {}, form } = {}) {
  const h = { Accept: "application/json", ...headers };
  const bearer = token === undefined ? residentToken() : token;
  if (bearer) h.Authorization = `Bearer ${bearer}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { h["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(null, 0);
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(data, res.status);
  return data;
}

export function residentToken() {
  try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
}

// A random id for this browser, kept across resident tokens: guest sign-in is limited per
// device (and, generously, per address: a hall's phones share one WiFi address).
export function deviceId() {
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) {
      const a = new Uint8Array(16);
      crypto.getRandomValues(a);
      id = Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
      localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch { return ""; }
}

export async function ensureResidentToken() {
  let token = residentToken();
  if (token) {
    try { await api("/api/v1/residents/me", { token }); return token; } catch (e) {
      // Only a refused token is renewed: a network error or a 5xx must not swap this phone
      // for a new resident (its check-in and ballots belong to the old one).
      if (e.status !== 401) throw e;
    }
  }
  const device = deviceId();
  const res = await api("/api/v1/auth/guest", { method: "POST", token: null,
    headers: device ? { "X-Device-Id": device } : {} });
  try { localStorage.setItem(TOKEN_KEY, res.token); } catch { /* private mode */ }
  return res.token;
}
