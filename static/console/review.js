// Chair-meeting review page: the queue of outcomes, one decision each, and past sessions.
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);
let csrf = null;
const DECISIONS = { "": "暂不审议", adopt: "采纳转办", proposal: "转提案", briefing: "报送社情民意信息", return: "退回补充" };

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function staff(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.method && opts.method !== "GET") headers["X-CSRF-Token"] = csrf;
  return api(path, { ...opts, token: null, headers });
}

async function loadQueue() {
  const items = await staff("/api/v1/review/queue");
  $("queue-empty").hidden = items.length > 0;
  $("queue-rows").replaceChildren(...items.map((o) => {
    const select = el("select", { name: `decision-${o.outcome_id}`, "aria-label": `审议决定 ${o.text}` });
    for (const [value, name] of Object.entries(DECISIONS)) select.append(el("option", { value, textContent: name }));
    const note = el("input", { name: `note-${o.outcome_id}`, placeholder: "说明（退回补充须填写）" });
    note.setAttribute("aria-label", `说明 ${o.text}`);
    const row = el("tr", {}, el("td", {}, `${o.site_name} · ${o.meeting_title}`),
      el("td", {}, o.text + (o.resubmitted ? "（已补充）" : "")), el("td", {}, select), el("td", {}, note));
    row.dataset.outcome = String(o.outcome_id);
    return row;
  }));
}

async function loadSessions() {
  const sessions = await staff("/api/v1/review/sessions");
  $("sessions").replaceChildren(...sessions.map((s) => el("li", {},
    `${s.held_on} ${s.title || "主席会议"}（出席：${s.attendees.join("、")}）`,
    el("ul", {}, ...s.decisions.map((d) => el("li", {}, `成果 #${d.outcome_id}：${d.decision_name}${d.note ? `，${d.note}` : ""}`))))));
}

async function save(event) {
  event.preventDefault();
  $("session-error").hidden = true;
  $("session-ok").hidden = true;
  const decisions = [];
  for (const row of $("queue-rows").children) {
    const id = row.dataset.outcome;
    const decision = row.querySelector("select").value;
    if (!decision) continue;
    decisions.push({ outcome_id: Number(id), decision, note: row.querySelector("input").value });
  }
  try {
    const saved = await staff("/api/v1/review/sessions", { method: "POST", body: {
      held_on: $("held-on").value, title: $("session-title").value,
      attendees: $("attendees").value.split(/[、,，\s]+/).filter(Boolean), decisions } });
    $("session-ok").textContent = `已保存审议记录，共 ${saved.decisions.length} 项决定`;
    $("session-ok").hidden = false;
    await Promise.all([loadQueue(), loadSessions()]);
    document.body.dataset.saved = String(saved.id);
  } catch (e) {
    const details = Object.values(e.errors || {}).flat().join("；");
    $("session-error").textContent = e.message + (details ? `：${details}` : "");
    $("session-error").hidden = false;
  }
}

async function start(me) {
  csrf = me.csrf_token;
  $("who").textContent = me.user.display_name;
  $("home").hidden = false;
  $("held-on").value = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  $("session-form").addEventListener("submit", save);
  await Promise.all([loadQueue(), loadSessions()]);
  document.body.dataset.ready = "1";
}

api("/api/v1/auth/me", { token: null }).then(start).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
  document.body.dataset.ready = "1";
});
