// Resident page: what every view shares (the site code, page state, errors, showing a view).

export const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
export const $ = (id) => document.getElementById(id);
export const state = { overview: null, photos: [], category: null, key: null, similarTimer: 0,
  similarText: "", rating: null, busy: false, ready: null, meetingsReady: null };

export function showError(box, err) {
  box.textContent = (err && err.message) || "网络不太好，请稍后再试";
  box.hidden = false;
}

export function newKey() {
  const bytes = new Uint8Array(16);
  if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return "h5-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
// ---- views ------------------------------------------------------------------------------

const VIEWS = ["home", "report", "receipt", "mine", "detail"];

export function show(name) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== name;
  window.scrollTo(0, 0);
}
