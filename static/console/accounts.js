// Staff page (admins): list, create, disable/enable and reset staff accounts within scope.
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);
const ROLES = { admin: "系统管理员", dispatcher: "调度员", moderator: "主持人", handler: "部门办理人",
  supervisor: "督查员", member: "政协委员" };
let csrf = null;

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== "") node.textContent = text;
  return node;
}

function staff(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.method && opts.method !== "GET") headers["X-CSRF-Token"] = csrf;
  return api(path, { ...opts, token: null, headers });
}

function grantText(g) {
  return `${g.role_name}·${g.site_name || g.unit_name || g.department_name || "全区"}`;
}

async function scopeOptions(session) {
  const options = [];
  const admin = session.user.grants.filter((g) => g.role === "admin");
  if (admin.some((g) => !g.unit_id && !g.site_id && !g.department_id)) {
    options.push({ value: "", label: "全区" });
    const [root] = await staff("/api/v1/units");
    if (root) {
      for (const u of await staff(`/api/v1/units?parent_id=${root.id}`)) options.push({ value: `unit:${u.id}`, label: u.name });
    }
    for (const d of await staff("/api/v1/departments")) options.push({ value: `department:${d.id}`, label: d.name });
  }
  for (const g of admin.filter((x) => x.unit_id)) {
    options.push({ value: `unit:${g.unit_id}`, label: g.unit_name });
    for (const u of await staff(`/api/v1/units?parent_id=${g.unit_id}`)) options.push({ value: `unit:${u.id}`, label: `${g.unit_name} · ${u.name}` });
  }
  for (const g of admin.filter((x) => x.site_id)) options.push({ value: `site:${g.site_id}`, label: g.site_name });
  for (const g of admin.filter((x) => x.department_id)) options.push({ value: `department:${g.department_id}`, label: g.department_name });
  $("scope").replaceChildren(...options.map((o) => el("option", { value: o.value }, o.label)));
}

function grantBody(role, scope) {
  const body = { role };
  if (scope) { const [kind, id] = scope.split(":"); body[`${kind}_id`] = Number(id); }
  return body;
}

function accountRow(a) {
  const tr = el("tr");
  tr.dataset.username = a.username;
  const state = el("td", { class: a.active ? "" : "off" },
    a.active ? (a.must_change_password ? "待修改临时密码" : "正常") : "已停用");
  const actions = el("td", { class: "actions" });
  if (a.manageable) {
    const toggle = el("button", { type: "button", class: "secondary small" }, a.active ? "停用" : "启用");
    toggle.addEventListener("click", async () => {
      try { await staff(`/api/v1/accounts/${a.id}/${a.active ? "disable" : "enable"}`, { method: "POST" }); load(); }
      catch (err) { showListError(err); }
    });
    const reset = el("button", { type: "button", class: "secondary small" }, "重置密码");
    reset.addEventListener("click", async () => {
      try { showTemporary(await staff(`/api/v1/accounts/${a.id}/reset-password`, { method: "POST" })); load(); }
      catch (err) { showListError(err); }
    });
    actions.append(toggle, reset);
  }
  tr.append(el("td", {}, a.username), el("td", {}, a.display_name), el("td", {}, a.phone || ""),
    el("td", {}, a.grants.map(grantText).join("；")), state, actions);
  return tr;
}

function showListError(err) { $("list-error").textContent = err.message; $("list-error").hidden = false; }

function showTemporary(answer) {
  $("temporary-user").textContent = answer.account.username;
  $("temporary-password").textContent = answer.temporary_password;
  $("temporary-box").hidden = false;
}

async function load() {
  $("list-error").hidden = true;
  const params = new URLSearchParams({ per_page: "100" });
  const q = new FormData($("search")).get("q");
  if (q) params.set("q", String(q));
  try {
    const page = await staff(`/api/v1/accounts?${params}`);
    $("accounts").tBodies[0].replaceChildren(...page.items.map(accountRow));
    $("count").textContent = `共 ${page.total} 个账号`;
  } catch (err) { showListError(err); }
}

$("create").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("create-error").hidden = true;
  const form = new FormData($("create"));
  try {
    const answer = await staff("/api/v1/accounts", { method: "POST", body: {
      username: form.get("username"), display_name: form.get("display_name"),
      phone: form.get("phone") || null, grants: [grantBody(form.get("role"), form.get("scope"))] } });
    showTemporary(answer);
    $("create").reset();
    load();
  } catch (err) {
    const details = Object.values(err.errors || {}).flat().filter((m) => typeof m === "string");
    $("create-error").textContent = [err.message, ...details].join("；");
    $("create-error").hidden = false;
  }
});
$("search").addEventListener("submit", (event) => { event.preventDefault(); load(); });

api("/api/v1/auth/me", { token: null }).then(async (session) => {
  if (session.user.must_change_password) { location.href = "/console/password"; return; }
  csrf = session.csrf_token;
  $("who").textContent = session.user.display_name;
  if (!session.user.roles.includes("admin")) { $("forbidden").hidden = false; return; }
  $("role").replaceChildren(...Object.entries(ROLES).map(([k, v]) => el("option", { value: k }, v)));
  await scopeOptions(session);
  $("create-card").hidden = false;
  $("list-card").hidden = false;
  load();
}).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
});
