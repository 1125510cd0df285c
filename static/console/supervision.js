// Supervision page: warning counts by colour, the coloured warning table, supervision
// orders (respond / escalate / close as the server allows) and the form to issue one.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { localMinute as localTime } from "/static/common/format.js";
import { pager } from "/static/common/pager.js";
import { setCsrf, staff } from "/static/common/staff.js";

const $ = (id) => document.getElementById(id);
let session = null;
let warningPage = 1;
const PER_PAGE = 20;

const ACTIONS = { respond: "回复", escalate: "升级督办", close: "办结" };
const PROMPTS = { respond: "回复内容", escalate: "升级理由", close: "办结说明（可不填）" };

function fill(select, items) {
  for (const item of items) select.append(el("option", { value: String(item.id), textContent: item.name }));
}

function badge(level, name) {
  return level ? el("span", { className: `badge ${level}`, textContent: name }) : "";
}

function filterQuery() {
  const params = new URLSearchParams({ page: String(warningPage), per_page: String(PER_PAGE) });
  for (const [key, value] of new FormData($("filters"))) if (value) params.set(key, value);
  return params.toString();
}

async function loadWarnings() {
  const data = await staff(`/api/v1/supervision/warnings?${filterQuery()}`);
  for (const level of ["blue", "yellow", "red"]) $(`count-${level}`).textContent = data.counts[level];
  for (const tile of document.querySelectorAll(".tile")) {
    tile.setAttribute("aria-pressed", String(tile.dataset.level === $("f-level").value));
  }
  const mayIssue = session.user.roles.some((r) => r === "supervisor" || r === "admin");
  $("warning-rows").replaceChildren(...data.items.map((w) => {
    const target = w.target_kind === "order"
      ? `督办 #${w.order_id}${w.tracking_no ? `（${w.tracking_no}）` : ""}` : w.tracking_no;
    const who = (w.department_name || w.member_name || "") + (w.no_handler ? "（无办理人账号）" : "");
    const actions = el("td", { className: "row-actions" });
    if (mayIssue && w.target_kind === "case") {
      actions.append(el("button", { type: "button", className: "secondary", textContent: "督办",
        onclick: () => prefillCase(w.tracking_no) }));
    }
    const row = el("tr", { className: `level-${w.level}` },
      el("td", {}, badge(w.level, w.level_name)),
      el("td", { textContent: w.step_name }),
      el("td", { className: "nowrap", textContent: target }),
      el("td", { className: "text", textContent: w.text, title: w.text }),
      el("td", { textContent: who }),
      el("td", { textContent: w.unit_name || "" }),
      el("td", { className: `due${w.overdue ? " late" : ""}`,
        textContent: localTime(w.due_at) + (w.overdue ? "（已超期）" : "") }),
      actions);
    row.dataset.level = w.level;
    return row;
  }));
  $("warning-count").textContent = data.total ? `共 ${data.total} 条预警` : "当前没有预警";
  pager($("warning-pager"), { page: data.page, perPage: data.per_page, total: data.total,
    onPage: (n) => { warningPage = n; loadWarnings(); } });
  const gaps = data.departments_without_handlers || [];
  $("handler-gap").hidden = gaps.length === 0;
  $("handler-gap").textContent = gaps.length
    ? `以下部门没有办理人账号，预警改发部门负责人（未设负责人的发给辖区调度员）：${gaps.map((g) => g.name).join("、")}。请为其开设办理人账号。`
    : "";
}

function prefillCase(trackingNo) {
  $("o-kind").value = "case";
  showTargetFields();
  $("o-case").value = trackingNo;
  $("o-demand").focus();
}

async function orderAction(order, action) {
  const text = window.prompt(PROMPTS[action], "");
  if (text === null) return;
  const body = action === "respond" ? { text } : { note: text };
  $("order-error").hidden = true;
  try {
    await staff(`/api/v1/supervision/orders/${order.id}/${action}`, { method: "POST", body });
    await Promise.all([loadOrders(), loadWarnings()]);
  } catch (err) {
    $("order-error").textContent = err.message;
    $("order-error").hidden = false;
  }
}

async function loadOrders() {
  const data = await staff("/api/v1/supervision/orders?per_page=100");
  $("order-rows").replaceChildren(...data.items.map((o) => {
    const actions = el("td", { className: "row-actions" });
    for (const action of o.actions) {
      actions.append(el("button", { type: "button", className: "secondary", textContent: ACTIONS[action],
        onclick: () => orderAction(o, action) }));
    }
    const status = el("td", {}, o.status_name, " ", badge(o.level,
      { blue: "临期", yellow: "滞后", red: "超期" }[o.level]));
    const row = el("tr", { className: o.level ? `level-${o.level}` : "" },
      el("td", { textContent: `#${o.id}` }),
      el("td", { textContent: o.target_name.startsWith(o.target_kind_name)
        ? o.target_name : `${o.target_kind_name} · ${o.target_name}` }),
      el("td", { className: "text", textContent: o.demand, title: o.demand }),
      status,
      el("td", { textContent: localTime(o.due_at) }),
      el("td", { textContent: o.issued_by_name || "" }),
      actions);
    row.dataset.id = String(o.id);
    return row;
  }));
  $("order-count").textContent = data.total ? `共 ${data.total} 件督办` : "暂无督办";
}

function showTargetFields() {
  for (const node of document.querySelectorAll("#order-form [data-for]")) {
    node.hidden = node.dataset.for !== $("o-kind").value;
  }
}

async function issue(event) {
  event.preventDefault();
  const kind = $("o-kind").value;
  const body = { target_kind: kind, demand: $("o-demand").value, due_days: Number($("o-days").value) };
  if (kind === "case") body.tracking_no = $("o-case").value.trim();
  if (kind === "department") body.target_id = Number($("o-department").value);
  if (kind === "site") body.site_code = $("o-site").value.trim();
  $("issue-error").hidden = true;
  try {
    await staff("/api/v1/supervision/orders", { method: "POST", body });
    $("o-demand").value = "";
    await loadOrders();
  } catch (err) {
    const fields = Object.values(err.errors || {}).flat().join("；");
    $("issue-error").textContent = fields ? `${err.message}：${fields}` : err.message;
    $("issue-error").hidden = false;
  }
}

async function start(me) {
  session = me;
  setCsrf(me.csrf_token);
  $("who").textContent = me.user.display_name;
  $("home").hidden = false;
  const options = await staff("/api/v1/dispatch/options");
  fill($("f-unit"), options.units.filter((u) => u.name.startsWith("　")).map(
    (u) => ({ id: u.id, name: u.name.trim() })));
  fill($("f-department"), options.departments);
  fill($("o-department"), options.departments);
  $("issue").hidden = !me.user.roles.some((r) => r === "supervisor" || r === "admin");
  await Promise.all([loadWarnings(), loadOrders()]);
  document.body.dataset.ready = "1";
}

$("filters").addEventListener("submit", (event) => { event.preventDefault(); warningPage = 1; loadWarnings(); });
for (const tile of document.querySelectorAll(".tile")) {
  tile.addEventListener("click", () => {
    $("f-level").value = $("f-level").value === tile.dataset.level ? "" : tile.dataset.level;
    warningPage = 1;
    loadWarnings();
  });
}
$("o-kind").addEventListener("change", showTargetFields);
$("order-form").addEventListener("submit", issue);

api("/api/v1/auth/me", { token: null }).then(start).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
});
