// Command-centre wall: first snapshot by fetch (to see a missing login), then Server-Sent Events.
import { pct as pctText } from "/static/common/numbers.js";
import { api, ApiError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";

const $ = (id) => document.getElementById(id);
const seen = new Set();
let updates = 0;
let first = true;

const pct = (v) => pctText(v, "");

const COUNTERS = [
  ["today", "今日新增", "件"], ["month_collected", "本月收集", "件"], ["month_solved", "本月解决", "件"],
  ["open", "正在办理", "件"], ["overdue", "超期未办", "件", "alert"], ["meetings", "进行中协商", "场"],
  ["present", "现场签到", "人"], ["success", "本月成事率", "%", "good"],
  ["satisfaction", "本月满意率", "%", "good"],
];
const previous = {};

function renderCounters(c) {
  const tiles = COUNTERS.map(([key, name, unit, tone]) => {
    const value = unit === "%" ? pct(c[key]) : String(c[key] ?? "—");
    const cls = ["counter", tone && (tone !== "alert" || c[key] > 0) ? tone : "",
      !first && previous[key] !== undefined && previous[key] !== c[key] ? "flash" : ""].join(" ");
    previous[key] = c[key];
    return el("div", { class: cls.trim(), "data-key": key }, el("div", { class: "name" }, name),
      el("div", { class: "value" }, value, el("small", {}, value === "—" ? "" : unit)));
  });
  $("counters").replaceChildren(...tiles);
}

function renderMeetings(list) {
  $("meeting-count").textContent = list.length ? `${list.length} 场` : "";
  if (!list.length) { $("meetings").replaceChildren(el("li", { class: "empty" }, "此刻没有进行中的协商")); return; }
  $("meetings").replaceChildren(...list.map((m) => el("li", { "data-id": m.id },
    el("div", { class: "title" }, m.title),
    el("div", { class: "present" }, m.present, el("small", {}, m.quorum ? `法定人数 ${m.quorum}` : "已签到")),
    el("div", { class: "where" }, `${m.site} · ${m.starts_at} 开始${m.online ? " · 线上" : ""}`))));
}

function renderReports(list) {
  if (!list.length) { $("reports").replaceChildren(el("li", { class: "empty" }, "暂无反映")); return; }
  $("reports").replaceChildren(...list.map((r) => {
    const fresh = !first && !seen.has(r.id);
    seen.add(r.id);
    return el("li", { class: fresh ? "new" : "", "data-id": r.id },
      el("div", { class: "meta" }, el("span", {}, r.at), el("span", { class: "cat" }, r.category),
        el("span", {}, r.site), el("span", {}, r.status)),
      el("div", { class: "text" }, r.excerpt));
  }));
}

function renderOverdue(list) {
  const max = Math.max(1, ...list.map((s) => s.overdue));
  $("overdue").replaceChildren(...list.slice(0, 14).map((s) => el("li", { class: s.overdue ? "" : "zero" },
    el("span", {}, s.name),
    el("div", { class: "track" }, el("div", { class: "fill", style: `width:${(100 * s.overdue) / max}%` })),
    el("span", { class: "n" }, s.overdue))));
}

function render(data) {
  $("unit").textContent = data.unit.name;
  renderCounters(data.counters);
  renderMeetings(data.meetings);
  renderReports(data.reports);
  renderOverdue(data.overdue_by_sector);
  $("foot").textContent = `数据更新于 ${data.at} · 反映内容仅显示摘要，手机号已隐藏`;
  first = false;
  updates += 1;
  document.body.dataset.updates = String(updates);
  document.body.dataset.ready = "1";
}

function live(on) {
  $("live").className = `live ${on ? "on" : "off"}`;
  $("live-text").textContent = on ? "实时" : "重连中";
}

function tick() {
  $("clock").textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
}

async function start() {
  tick();
  setInterval(tick, 1000);
  const unit = new URLSearchParams(location.search).get("unit_id");
  const q = unit ? `?unit_id=${encodeURIComponent(unit)}` : "";
  try {
    render(await api(`/api/v1/evaluation/wall${q}`, { token: null }));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      $("need-login").hidden = false;
    } else {
      $("error").textContent = e.message;
      $("error").hidden = false;
    }
    return;
  }
  const source = new EventSource(`/api/v1/evaluation/wall/stream${q}`);
  source.addEventListener("open", () => live(true));
  source.addEventListener("error", () => live(false));
  source.addEventListener("snapshot", (ev) => { live(true); render(JSON.parse(ev.data)); });
}

start();
