// Leaders' dashboard (评价研判): four highs, counters, drill-down, heat table, trend, topics.
import { pct } from "/static/common/numbers.js";
import { api, ApiError } from "/static/common/api.js";
import { activatable, el } from "/static/common/dom.js";

const $ = (id) => document.getElementById(id);
const state = { unit: null, start: "", end: "" };
const RATES = ["awareness", "participation", "success", "satisfaction"];
const COUNTERS = [
  ["activities", "场"], ["collected", "件"], ["solved", "件"], ["avg_answer_days", "天"],
  ["overdue_share", ""],
];


function query() {
  const p = new URLSearchParams();
  if (state.unit) p.set("unit_id", state.unit);
  if (state.start) p.set("start", state.start);
  if (state.end) p.set("end", state.end);
  return p.toString();
}

function rateNote(f, key) {
  if (f[key] !== null) {
    const per10k = f[`${key}_per_10k`];
    return per10k === null || per10k === undefined ? "" : `每万人 ${per10k.toFixed(1)} 人`;
  }
  if (key === "awareness" || key === "participation") {
    if (f.unit.population === null) {
      const n = key === "awareness" ? f.visitors : f.participants;
      return `未设人口，仅计人数：${n ?? "—"}`;
    }
    return "扫码数据暂不可用";
  }
  return key === "satisfaction" ? "暂无评价，不计算" : "暂无受理件";
}

function tile(def, value, note, unit = "") {
  const none = value === "—";
  return el("div", { class: "tile" },
    el("div", { class: "name" }, def.name),
    el("div", { class: none ? "value none" : "value" }, none && note ? note : value + unit),
    !none && note ? el("div", { class: "per10k" }, note) : "",
    el("div", { class: "def" }, `口径：${def.formula}${def.note ? "。" + def.note : ""}`));
}

function renderFigures(data) {
  const f = data.figures;
  $("highs").replaceChildren(...RATES.map((k) => tile(data.definitions[k], pct(f[k]), rateNote(f, k))));
  $("counters").replaceChildren(...COUNTERS.map(([k, u]) => {
    let v = f[k];
    if (k === "overdue_share") v = pct(v);
    else if (v === null || v === undefined) v = "—";
    return tile(data.definitions[k], v, k === "activities" ? "暂无数据" : "", v === "—" ? "" : u);
  }));
}

function renderCrumbs(data) {
  const nodes = [];
  data.breadcrumbs.forEach((c, i) => {
    if (i) nodes.push(" › ");
    nodes.push(activatable(el("a", {}, c.name), () => open(c.id)));
  });
  nodes.push(el("span", { class: "muted" }, `　统计期：${data.period.label}`));
  $("crumbs").replaceChildren(...nodes);
}

function renderRanking(data) {
  const head = el("tr", {}, ...["名次", "单元", "收集", "解决", "成事率", "满意率", "参与率", "超期占比"]
    .map((h) => el("th", {}, h)));
  const rows = data.ranking.map((r, i) => el("tr", {},
    el("td", {}, i + 1),
    el("td", {}, activatable(el("a", {}, r.unit.name), () => open(r.unit.id))),
    el("td", {}, r.collected), el("td", {}, r.solved), el("td", {}, pct(r.success)),
    el("td", {}, pct(r.satisfaction)), el("td", {}, pct(r.participation)),
    el("td", {}, pct(r.overdue_share))));
  $("ranking").replaceChildren(head, ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 8 }, "没有下级单元"))]));
}

function renderHeat(data) {
  const h = data.heat;
  const max = Math.max(1, ...h.cells.flat());
  const head = el("tr", {}, el("th", {}, "分类"), ...h.units.map((u) =>
    el("th", {}, activatable(el("a", {}, u.name), () => open(u.id)))), el("th", {}, "合计"));
  const rows = h.categories.map((c, i) => el("tr", {}, el("td", {}, c.name),
    ...h.cells[i].map((n) => {
      const td = el("td", {}, n);
      td.style.background = `rgba(183, 28, 28, ${(n / max) * 0.75})`;
      if (n / max > 0.5) td.style.color = "#fff";
      return td;
    }), el("td", {}, c.total)));
  $("heat").replaceChildren(head, ...rows);
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderTrend(weeks) {
  // Margins leave room for the axis numbers (left), the last date label (right) and the legend (top).
  const W = 560, H = 230, L = 44, R = 28, B = 30, T = 26;
  const max = Math.max(1, ...weeks.map((w) => Math.max(w.collected, w.solved)));
  const step = weeks.length > 1 ? (W - L - R) / (weeks.length - 1) : 0;
  const x = (i) => L + i * step;
  const y = (v) => H - B - (v / max) * (H - B - T);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img",
    "aria-label": "每周收集与解决趋势" });
  for (let g = 0; g <= 4; g++) {
    const v = Math.round((max * g) / 4);
    root.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e6dfd5" }));
    root.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v));
  }
  const series = [["collected", "#b71c1c", "收集意见"], ["solved", "#1b6e3a", "解决问题"]];
  series.forEach(([key, color, label], s) => {
    const pts = weeks.map((w, i) => `${x(i)},${y(w[key])}`).join(" ");
    root.append(svg("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": 2.5 }));
    weeks.forEach((w, i) => root.append(svg("circle", { cx: x(i), cy: y(w[key]), r: 3, fill: color })));
    root.append(svg("rect", { x: W - 170 + s * 85, y: 2, width: 10, height: 10, fill: color }));
    root.append(svg("text", { x: W - 156 + s * 85, y: 11 }, label));
  });
  const every = Math.ceil(weeks.length / 8);
  weeks.forEach((w, i) => {
    if (i % every === 0) root.append(svg("text", { x: x(i), y: H - 8, "text-anchor": "middle" }, w.week.slice(5)));
  });
  $("trend").replaceChildren(root);
}

function renderTopics(data) {
  const box = $("topics");
  if (!data.topics.length) { box.replaceChildren(el("p", { class: "muted" }, "统计期内没有意见")); return; }
  box.replaceChildren(...data.topics.map((t) => el("button", {
    type: "button", class: "secondary", title: t.keywords.join("、"),
    onclick: (ev) => {
      box.querySelectorAll("button").forEach((b) => b.classList.remove("on"));
      ev.currentTarget.classList.add("on");
      $("topic-items").replaceChildren(el("ul", {}, ...t.opinions.map((o) =>
        el("li", {}, `${o.date} ${o.tracking_no}：${o.text}`))));
    },
  }, t.label || "（无关键词）", el("span", { class: "n" }, t.count))));
}

function setLinks() {
  $("xlsx").href = `/api/v1/evaluation/report?format=xlsx&${query()}`;
  $("pdf").href = `/api/v1/evaluation/report?format=pdf&${query()}`;
}

async function load() {
  $("error").hidden = true;
  try {
    const data = await api(`/api/v1/evaluation/dashboard?${query()}`, { token: null });
    state.unit = data.figures.unit.id;
    $("unit").value = String(state.unit);
    renderFigures(data); renderCrumbs(data); renderRanking(data); renderHeat(data);
    renderTrend(data.trend); setLinks();
    const topics = await api(`/api/v1/evaluation/hot-topics?${query()}`, { token: null });
    renderTopics(topics);
    document.body.dataset.ready = "1";
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { $("need-login").hidden = false; $("controls").hidden = true; return; }
    $("error").textContent = e.message; $("error").hidden = false;
  }
}

function open(unitId) { state.unit = unitId; load(); }

async function init() {
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const params = new URLSearchParams(location.search);
  // Year to date, as the district's own figures are stated ("今年以来").
  state.start = params.get("start") || `${today.slice(0, 4)}-01-01`;
  state.end = params.get("end") || today;
  state.unit = params.get("unit_id");
  $("start").value = state.start; $("end").value = state.end;
  try {
    const units = await api("/api/v1/evaluation/units", { token: null });
    $("unit").replaceChildren(...units.map((u) =>
      el("option", { value: u.id }, "　".repeat(Math.max(0, u.depth - (units[0]?.depth || 0))) + u.name)));
    $("controls").hidden = false;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { $("need-login").hidden = false; return; }
    $("error").textContent = e.message; $("error").hidden = false; return;
  }
  $("controls").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.unit = $("unit").value; state.start = $("start").value; state.end = $("end").value;
    load();
  });
  load();
}

init();
