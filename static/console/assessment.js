// Assessment (考评): department and site rankings, demo-site shortfall, checklist, weights.
import { pct } from "/static/common/numbers.js";
import { api } from "/static/common/api.js";
import { activatable, el } from "/static/common/dom.js";
import { pageRows } from "/static/common/pager.js";
import { setCsrf, staff } from "/static/common/staff.js";

const $ = (id) => document.getElementById(id);
let me = null;
const PER_PAGE = 20;

const num = (v) => (v === null || v === undefined ? "—" : String(v));

function query() {
  const p = new URLSearchParams();
  p.set("year", $("year").value);
  if ($("quarter").value) p.set("quarter", $("quarter").value);
  else if ($("month").value) p.set("month", $("month").value);
  return p.toString();
}

function scoreTable(table, data, extra) {
  const first = data.items[0];
  const comps = first ? first.components.map((c) => c.name) : [];
  const pens = first ? first.penalties.map((p) => p.name) : [];
  const head = el("tr", {}, el("th", {}, "排名"), el("th", {}, "名称"),
    ...extra.map(([h]) => el("th", {}, h)),
    ...comps.map((n) => el("th", {}, n)), ...pens.map((n) => el("th", {}, `${n}（次）`)),
    el("th", {}, "扣分"), el("th", {}, "得分"));
  const rows = data.items.map((r) => el("tr", {},
    el("td", {}, num(r.rank)), el("td", {}, r.name, r.is_demo ? el("span", { class: "tag" }, "示范点") : ""),
    ...extra.map(([, f]) => el("td", {}, f(r))),
    ...r.components.map((c) => el("td", { class: c.rate === null ? "none" : "",
      title: c.share === null ? "无数据，不计入" : `权重占比 ${pct(c.share)}，得 ${c.points} 分` }, pct(c.rate))),
    ...r.penalties.map((p) => el("td", {}, p.count)),
    el("td", {}, r.deducted ? `−${r.deducted}` : "0"),
    el("td", { class: r.score === null ? "none" : "score" }, num(r.score))));
  table.replaceChildren(head, ...rows);
  pageRows(table.closest(".scroll") || table, rows, PER_PAGE);
}

async function loadScores() {
  $("error").hidden = true;
  try {
    const q = query();
    const [depts, sites, short] = await Promise.all([
      staff(`/api/v1/assessment/departments?${q}`), staff(`/api/v1/assessment/sites?${q}`),
      staff(`/api/v1/assessment/demo-sites/shortfall?year=${$("year").value}`)]);
    $("period").textContent = `${depts.period.label}（${depts.period.start} 至 ${depts.period.end}）`;
    $("formula").textContent = depts.formula;
    scoreTable($("departments"), depts, [["承办件数", (r) => r.facts.cases]]);
    scoreTable($("sites"), sites, [["所属单元", (r) => r.unit_name],
      ["活动（已举行/应开展）", (r) => `${r.facts.activities} / ${r.facts.required_activities}`]]);
    $("rule").textContent = `${short.rule}；截至 ${short.as_of} 按进度应开展 ${short.expected_to_date} 场`;
    $("shortfall").replaceChildren(
      el("tr", {}, ...["示范点", "所属单元", "已举行", "年度要求", "差额", "状态"].map((h) => el("th", {}, h))),
      ...short.sites.map((s) => el("tr", {}, el("td", {}, s.name), el("td", {}, s.unit_name),
        el("td", {}, s.held), el("td", {}, s.required), el("td", {}, s.short),
        el("td", { class: `st-${s.status}` }, s.status_name))));
    pageRows($("shortfall"), [...$("shortfall").rows].slice(1), PER_PAGE);
    $("xlsx").href = `/api/v1/assessment/export?${q}`;
  } catch (e) {
    $("error").textContent = e.message;
    $("error").hidden = false;
  }
}

async function loadChecklist() {
  let rows;
  try { rows = await staff("/api/v1/assessment/checklist/sites"); } catch { rows = []; }
  $("checklist").replaceChildren(
    el("tr", {}, ...["示范点", "所属单元", "已交材料", "已审核通过", "标准项数", "状态"].map((h) => el("th", {}, h))),
    ...rows.map((s) => el("tr", {},
      el("td", {}, activatable(el("a", {}, s.name), () => openSite(s.id))), el("td", {}, s.unit_name),
      el("td", {}, s.with_evidence), el("td", {}, s.approved), el("td", {}, s.items),
      el("td", { class: s.complete ? "st-met" : "" }, s.complete ? "全部达标" : "未完成"))));
  pageRows($("checklist"), [...$("checklist").rows].slice(1), PER_PAGE);
}

async function openSite(id) {
  const data = await staff(`/api/v1/assessment/checklist/sites/${id}`);
  const box = $("site-checklist");
  box.hidden = false;
  box.replaceChildren(el("h3", {}, `${data.site.name} · 标准核查`),
    ...data.items.map((item) => {
      const node = el("div", { class: "item" },
        el("strong", {}, item.name), " ", el("span", { class: `st-${item.status === "approved" ? "met" : item.status === "rejected" ? "short" : ""}` }, item.status_name),
        item.reviewed_by ? el("span", { class: "muted" }, `（${item.reviewed_by} 于 ${new Date(item.reviewed_at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" })} 审核${item.review_note ? "：" + item.review_note : ""}）`) : "",
        el("div", { class: "muted" }, item.description),
        el("div", { class: "ev" }, ...(item.evidence.length ? item.evidence.map((ev) =>
          el("span", { class: "ev-file" },
            el("a", { href: ev.url, target: "_blank" }, `${ev.kind === "photo" ? "照片" : "PDF"}：${ev.filename}`),
            ev.can_withdraw ? el("button", { type: "button", class: "link", title: "撤回上传错的材料",
              onclick: async () => {
                if (!confirm(`撤回材料“${ev.filename}”？`)) return;
                try {
                  await staff(`/api/v1/assessment/evidence/${ev.id}`, { method: "DELETE" });
                  openSite(id); loadChecklist();
                } catch (e) { alert(e.message); }
              } }, "撤回") : "")) : ["暂无材料"])));
      if (data.can_upload) {
        const input = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp,application/pdf" });
        input.addEventListener("change", async () => {
          const form = new FormData();
          form.append("file", input.files[0]);
          try {
            await staff(`/api/v1/assessment/checklist/sites/${id}/items/${item.id}/evidence`, { method: "POST", form });
            openSite(id); loadChecklist();
          } catch (e) { alert(e.message); }
        });
        node.append(el("label", {}, "上传照片或 PDF", input));
      }
      if (data.can_review) {
        const review = async (decision) => {
          const note = decision === "rejected" ? prompt("不通过的原因") : null;
          try {
            await staff(`/api/v1/assessment/checklist/sites/${id}/items/${item.id}/review`,
              { method: "POST", body: { decision, note } });
            openSite(id); loadChecklist();
          } catch (e) { alert(e.message); }
        };
        node.append(el("button", { type: "button", onclick: () => review("approved") }, "审核通过"), " ",
          el("button", { type: "button", class: "secondary", onclick: () => review("rejected") }, "不通过"));
      }
      return node;
    }));
}

async function loadWeights() {
  const data = await staff("/api/v1/assessment/settings");
  const admin = me.user.roles ? me.user.roles.includes("admin") : me.user.grants.some((g) => g.role === "admin");
  $("weights-note").textContent = admin ? "修改后保存，排名立即按新权重计算" : "仅管理员可修改";
  const form = $("weights");
  form.replaceChildren(...data.settings.map((s) => el("label", {},
    `${s.group === "department" ? "部门" : "点位"}：${s.name}`,
    Object.assign(el("input", { type: "number", step: "any", min: s.min, max: s.max, name: s.key }),
      { value: s.value, disabled: !admin }))));
  if (admin) {
    form.append(el("div", { class: "actions" }, el("button", { type: "submit" }, "保存设置")));
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const values = {};
      for (const input of form.querySelectorAll("input")) values[input.name] = Number(input.value);
      try {
        await staff("/api/v1/assessment/settings", { method: "PUT", body: { values } });
        await loadScores();
      } catch (e) { alert(e.message + " " + JSON.stringify(e.errors)); }
    };
  }
}

async function main() {
  try {
    me = await api("/api/v1/auth/me", { token: null });
  } catch {
    $("need-login").hidden = false;
    document.body.dataset.ready = "1";
    return;
  }
  setCsrf(me.csrf_token);
  const months = $("month");
  for (let m = 1; m <= 12; m++) months.append(el("option", {}, m));
  const params = new URLSearchParams(location.search);
  $("year").value = params.get("year") || new Date().getFullYear();
  $("controls").hidden = false;
  $("controls").addEventListener("submit", (ev) => { ev.preventDefault(); loadScores(); });
  await Promise.all([loadScores(), loadChecklist(), loadWeights()]);
  document.body.dataset.ready = "1";
}

main();
