// Staff page (admins): the district's units, sites, departments and routing table, one at a time.
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);
const KINDS = { district: "区", town: "镇", subdistrict: "街道", park: "园区", hightech: "高新区", village: "村", community: "社区" };
let csrf = null;
let path = []; // units from the top to the current one
let departments = [];
let categories = [];

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== "") node.textContent = text;
  return node;
}

function staff(url, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.method && opts.method !== "GET") headers["X-CSRF-Token"] = csrf;
  return api(url, { ...opts, token: null, headers });
}

function fail(err) { $("error").textContent = err.message; $("error").hidden = false; }

function button(text, onclick) {
  const b = el("button", { type: "button", class: "secondary small" }, text);
  b.addEventListener("click", () => { $("error").hidden = true; onclick().catch(fail); });
  return b;
}

function td(...nodes) { const cell = el("td"); cell.append(...nodes); return cell; }

const current = () => path[path.length - 1];

async function loadUnits() {
  const parent = current();
  const units = await staff(`/api/v1/units${parent ? `?parent_id=${parent.id}` : ""}`);
  $("crumbs").replaceChildren(el("a", { href: "#" }, "顶层"), ...path.map((u, i) => {
    const a = el("a", { href: "#" }, `› ${u.name}`);
    a.addEventListener("click", (e) => { e.preventDefault(); path = path.slice(0, i + 1); refresh(); });
    return a;
  }));
  $("crumbs").firstChild.addEventListener("click", (e) => { e.preventDefault(); path = []; refresh(); });
  $("units").tBodies[0].replaceChildren(...units.map((u) => {
    const name = el("input", { value: u.name, "aria-label": "名称" });
    const population = el("input", { value: u.population ?? "", type: "number", "aria-label": "人口" });
    const tr = el("tr");
    tr.append(td(u.code), td(name), td(KINDS[u.kind] || u.kind), td(population), td(
      button("进入", async () => { path.push(u); await refresh(); }),
      button("保存", async () => { await staff(`/api/v1/units/${u.id}`, { method: "PATCH", body: { name: name.value, population: population.value === "" ? null : Number(population.value) } }); await loadUnits(); }),
      button("撤销", async () => { await staff(`/api/v1/units/${u.id}/retire`, { method: "POST" }); await loadUnits(); })));
    return tr;
  }));
}

async function loadSites() {
  const params = new URLSearchParams({ per_page: "200" });
  if (current()) params.set("unit_id", String(current().id));
  const page = await staff(`/api/v1/sites?${params}`);
  $("sites").tBodies[0].replaceChildren(...page.items.map((s) => {
    const lat = el("input", { value: s.latitude ?? "", "aria-label": "纬度" });
    const lng = el("input", { value: s.longitude ?? "", "aria-label": "经度" });
    const pop = el("input", { value: s.population ?? "", type: "number", "aria-label": "人口" });
    const num = (input) => (input.value === "" ? null : Number(input.value));
    const tr = el("tr");
    tr.append(td(s.code), td(s.name), td(lat), td(lng), td(pop), td(s.active ? "在用" : `已停用${s.replaced_by_code ? `→${s.replaced_by_code}` : ""}`), td(
      button("保存", async () => { await staff(`/api/v1/sites/${s.id}`, { method: "PATCH", body: { latitude: num(lat), longitude: num(lng), population: num(pop) } }); await loadSites(); }),
      ...(s.active ? [button("停用", async () => { await staff(`/api/v1/sites/${s.id}`, { method: "PATCH", body: { active: false } }); await loadSites(); }),
        button("换新编号", async () => { await staff(`/api/v1/sites/${s.id}/replace-code`, { method: "POST" }); await loadSites(); })] : [])));
    return tr;
  }));
}

async function loadDepartments() {
  departments = await staff("/api/v1/departments");
  $("route-department").replaceChildren(...departments.map((d) => el("option", { value: String(d.id) }, d.name)));
  $("departments").tBodies[0].replaceChildren(...departments.map((d) => {
    const name = el("input", { value: d.name, "aria-label": "名称" });
    const phone = el("input", { value: d.phone ?? "", "aria-label": "电话" });
    const into = el("select", { "aria-label": "合并到" });
    into.append(el("option", { value: "" }, "合并到…"), ...departments.filter((x) => x.id !== d.id).map((x) => el("option", { value: String(x.id) }, x.name)));
    const tr = el("tr");
    tr.append(td(d.code), td(name), td(phone), td(
      button("保存", async () => { await staff(`/api/v1/departments/${d.id}`, { method: "PATCH", body: { name: name.value, phone: phone.value || null } }); await loadDepartments(); }),
      into, button("合并", async () => { if (!into.value) return; await staff(`/api/v1/departments/${d.id}/merge`, { method: "POST", body: { into_id: Number(into.value) } }); await refresh(); })));
    return tr;
  }));
}

async function loadRoutes() {
  const routes = await staff("/api/v1/dispatch/routes");
  const name = (list, id) => (list.find((x) => x.id === id) || {}).name || (id == null ? "全部" : `#${id}`);
  $("routes").tBodies[0].replaceChildren(...routes.map((r) => {
    const tr = el("tr");
    tr.append(td(name(categories, r.category_id)), td(r.unit_id == null ? "全区" : `单元 #${r.unit_id}`), td(name(departments, r.department_id)),
      td(button("删除", async () => { await staff(`/api/v1/dispatch/routes/${r.id}`, { method: "DELETE" }); await loadRoutes(); })));
    return tr;
  }));
}

async function refresh() {
  await Promise.all([loadUnits(), loadSites()]);
  await loadDepartments();
  await loadRoutes();
}

$("unit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData($("unit-form"));
  try {
    await staff("/api/v1/units", { method: "POST", body: { code: form.get("code"), name: form.get("name"), kind: form.get("kind"),
      parent_id: current() ? current().id : null, population: form.get("population") ? Number(form.get("population")) : null } });
    $("unit-form").reset();
    await loadUnits();
  } catch (err) { fail(err); }
});
$("department-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData($("department-form"));
  try {
    await staff("/api/v1/departments", { method: "POST", body: { code: form.get("code"), name: form.get("name"), phone: form.get("phone") || null } });
    $("department-form").reset();
    await loadDepartments();
  } catch (err) { fail(err); }
});
$("route-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await staff("/api/v1/dispatch/routes", { method: "POST", body: { category_id: Number($("route-category").value) || null,
      unit_id: current() ? current().id : null, department_id: Number($("route-department").value) } });
    await loadRoutes();
  } catch (err) { fail(err); }
});

api("/api/v1/auth/me", { token: null }).then(async (session) => {
  if (session.user.must_change_password) { location.href = "/console/password"; return; }
  csrf = session.csrf_token;
  $("who").textContent = session.user.display_name;
  $("unit-kind").replaceChildren(...Object.entries(KINDS).map(([k, v]) => el("option", { value: k }, v)));
  categories = (await staff("/api/v1/dispatch/options")).categories;
  $("route-category").replaceChildren(el("option", { value: "" }, "全部类别"), ...categories.map((c) => el("option", { value: String(c.id) }, c.name)));
  for (const id of ["units-card", "sites-card", "departments-card", "routes-card"]) $(id).hidden = false;
  await refresh();
}).catch((err) => {
  if (err.status === 401) { $("who").textContent = "未登录"; $("login-needed").hidden = false; } else fail(err);
});
