// Holidays and make-up working days per year (节假日设置), over the calendar API; marking a
// year complete ends the console's calendar warning for it.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";

const $ = (id) => document.getElementById(id);
let csrf = null;

function staff(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.method && opts.method !== "GET") headers["X-CSRF-Token"] = csrf;
  return api(path, { ...opts, token: null, headers });
}

function showError(err) {
  $("error").textContent = err ? err.message : "";
  $("error").hidden = !err;
}

function render(data) {
  const covered = data.package_covers ? "系统已内置该年法定节假日安排；录入的日期将覆盖内置安排。" : "系统未内置该年安排。";
  const done = data.complete ? `已标记录入完整（${data.marked_by_name || ""}）。` : "尚未标记录入完整。";
  $("status").textContent = `${data.year} 年：${covered}${data.package_covers ? "" : done}已录入 ${data.days.length} 天。`;
  $("year-warning").textContent = data.warning || "";
  $("year-warning").hidden = !data.warning;
  $("complete").hidden = data.complete;
  $("incomplete").hidden = !data.complete;
  $("day-rows").replaceChildren(...data.days.map((d) => el("tr", { "data-day": d.day },
    el("td", {}, d.day), el("td", {}, d.is_workday ? "调休上班" : "放假"), el("td", {}, d.name || ""),
    el("td", {}, el("button", { type: "button", class: "secondary small",
      onclick: () => change(() => staff(`/api/v1/dispatch/calendar/${d.day}`, { method: "DELETE" })) }, "删除")))));
  document.body.dataset.year = String(data.year);
}

async function load() {
  render(await staff(`/api/v1/dispatch/calendar/${$("year").value}`));
}

async function change(call) {
  showError(null);
  try { await call(); await load(); } catch (err) { showError(err); }
}

async function start() {
  let session;
  try { session = await staff("/api/v1/auth/me"); } catch {
    $("login-needed").hidden = false;
    return;
  }
  csrf = session.csrf_token;
  const now = new Date().getFullYear();
  const asked = Number(new URLSearchParams(location.search).get("year"));
  const years = new Set([now - 1, now, now + 1, now + 2, ...(asked ? [asked] : [])]);
  for (const y of [...years].sort()) $("year").append(el("option", { value: String(y) }, `${y} 年`));
  $("year").value = String(asked || now + 1);
  $("year").addEventListener("change", load);
  $("add").addEventListener("submit", (event) => {
    event.preventDefault();
    const day = { day: $("day").value, is_workday: $("kind").value === "workday", name: $("name").value.trim() };
    change(() => staff("/api/v1/dispatch/calendar", { method: "PUT", body: { days: [day] } }));
  });
  $("complete").addEventListener("click", () => change(() => staff(
    `/api/v1/dispatch/calendar/${$("year").value}/complete`, { method: "PUT", body: { complete: true } })));
  $("incomplete").addEventListener("click", () => change(() => staff(
    `/api/v1/dispatch/calendar/${$("year").value}/complete`, { method: "PUT", body: { complete: false } })));
  $("panel").hidden = false;
  await load();
  document.body.dataset.ready = "1";
}

start();
