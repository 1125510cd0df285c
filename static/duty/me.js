// A member's own duty record on the phone: score, items with the formula, every event.
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function show(record) {
  $("login").hidden = true;
  $("record").hidden = false;
  $("who").textContent = `${record.name} · ${record.circle || ""}`;
  $("year-title").textContent = `${record.year} 年度履职`;
  $("score").textContent = String(record.score);
  $("site-line").textContent = `挂钩点位：${record.sites.join("、") || "无"}；在挂钩点位履职 ${record.site_activities} 次，年度要求 ${record.required_site_activities} 次`;
  $("shortfall").hidden = record.shortfall === 0;
  $("shortfall").textContent = `还差 ${record.shortfall} 次达到年度要求`;
  $("item-rows").replaceChildren(...record.items.filter((i) => i.count > 0 || i.points > 0).map((i) =>
    el("tr", {}, el("td", { textContent: i.name }), el("td", { textContent: String(i.count) }),
      el("td", { textContent: String(i.score) }), el("td", { textContent: i.formula }))));
  $("formula").textContent = record.formula;
  $("no-events").hidden = record.events.length > 0;
  $("events").replaceChildren(...record.events.map((e) => el("li", {},
    `${e.at} ${e.kind_name}：${e.title}${e.at_attached_site ? "（挂钩点位）" : ""}`)));
}

let csrf = null;

async function loadProposals(memberId) {
  const list = await api("/api/v1/proposals", { token: null });
  $("no-proposals").hidden = list.length > 0;
  $("proposals").replaceChildren(...list.map((p) => {
    const mine = p.cosigners.find((c) => c.member_id === memberId);
    const item = el("li", { className: "proposal" }, `《${p.title}》 ${p.status_name}`);
    item.dataset.proposal = String(p.id);
    if (mine && !mine.confirmed && p.status === "draft") {
      item.append(" ", el("button", { type: "button", textContent: "确认联名", onclick: async () => {
        await api(`/api/v1/proposals/${p.id}/cosign`, { method: "POST", token: null,
          headers: { "X-CSRF-Token": csrf } });
        await loadProposals(memberId);
      } }));
    } else if (mine) item.append("（已联名）");
    return item;
  }));
}

async function load() {
  try {
    const record = await api("/api/v1/duty/me", { token: null });
    show(record);
    csrf = (await api("/api/v1/auth/me", { token: null })).csrf_token;
    await loadProposals(record.member_id);
  } catch (e) {
    if (e.status === 401) $("login").hidden = false;
    else { $("error").textContent = e.message; $("error").hidden = false; }
  } finally {
    document.body.dataset.ready = "1";
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").hidden = true;
  try {
    await api("/api/v1/auth/login", { method: "POST", token: null,
      body: { username: $("username").value, password: $("password").value } });
    await load();
  } catch (e) {
    $("login-error").textContent = e.message;
    $("login-error").hidden = false;
  }
});

load();
