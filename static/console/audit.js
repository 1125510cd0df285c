// Staff page: search the audit log (admins and supervisors), newest first, and export it.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";

const $ = (id) => document.getElementById(id);
const PER_PAGE = 50;
let page = 1;

// datetime-local gives a wall-clock time; the API reads offset-less times as Beijing time.
function query() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("filters"))) {
    if (String(value).trim()) params.set(name, String(value).trim());
  }
  return params;
}

function actor(e) {
  if (e.actor_kind === "staff") return `${e.username || ""}（#${e.user_id}）`;
  if (e.actor_kind === "resident") return `群众 #${e.resident_id}`;
  if (e.actor_kind === "system") return "服务器命令行";
  return e.username ? `未登录（尝试 ${e.username}）` : "未登录";
}

function row(e) {
  const tr = el("tr");
  const outcome = el("span", { class: `tag ${e.outcome}` }, `${e.outcome_name} ${e.status}`);
  const action = el("td", {}, e.description || e.action_name);
  if (e.personal_data) action.append(" ", el("span", { class: "tag personal" }, "个人信息"));
  tr.append(el("td", {}, e.at_local), el("td", {}, actor(e)), action,
            el("td", { class: "path", title: `${e.method} ${e.path}` }, e.action_name));
  const result = el("td");
  result.append(outcome);
  tr.append(result, el("td", {}, e.ip || ""),
            el("td", { class: "summary" }, e.summary_text || ""));
  return tr;
}

async function load() {
  const params = query();
  params.set("page", String(page));
  params.set("per_page", String(PER_PAGE));
  $("error").hidden = true;
  $("export").href = `/api/v1/audit/events/export?${query()}&format=xlsx`;
  try {
    const data = await api(`/api/v1/audit/events?${params}`, { token: null });
    $("rows").replaceChildren(...data.items.map(row));
    const pages = Math.max(1, Math.ceil(data.total / PER_PAGE));
    $("count").textContent = `共 ${data.total} 条`;
    $("page-label").textContent = `第 ${page} / ${pages} 页`;
    $("prev").disabled = page <= 1;
    $("next").disabled = page >= pages;
  } catch (err) {
    if (err.status === 403) { $("search-card").hidden = true; $("forbidden").hidden = false; return; }
    $("error").textContent = err.message;
    $("error").hidden = false;
  }
}

$("filters").addEventListener("submit", (event) => { event.preventDefault(); page = 1; load(); });
$("prev").addEventListener("click", () => { page -= 1; load(); });
$("next").addEventListener("click", () => { page += 1; load(); });

api("/api/v1/auth/me", { token: null }).then((session) => {
  $("who").textContent = session.user.display_name;
  $("search-card").hidden = false;
  load();
}).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
});
