// Members' duty scores per member, circle and sector, each score with its formula.
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

const get = (path) => api(path, { token: null });

function groupRows(groups) {
  return groups.map((g) => el("tr", {}, ...[g.name, g.members, g.average, g.events, g.short]
    .map((v) => el("td", { textContent: String(v) }))));
}

async function detail(member) {
  const record = await get(`/api/v1/duty/members/${member.member_id}?year=${$("year").value}`);
  $("detail-title").textContent = `${record.name} ${record.year} 年履职记录（得分 ${record.score}）`;
  $("detail").replaceChildren(...record.events.map((e) => el("li", { textContent: `${e.at} ${e.kind_name}：${e.title}` })));
}

async function load(event) {
  if (event) event.preventDefault();
  const params = new URLSearchParams();
  for (const [key, value] of new FormData($("filters"))) if (value) params.set(key, value);
  const data = await get(`/api/v1/duty/members?${params}`);
  $("formula").textContent = data.formula;
  for (const [id, items] of [["circle", data.options.circles], ["sector", data.options.sectors]]) {
    if ($(id).options.length > 1) continue;
    for (const item of items) $(id).append(el("option", { value: String(item.id), textContent: item.name }));
  }
  $("export").href = `/api/v1/duty/export?year=${data.year}`;
  const kinds = data.items.length ? data.items[0].items : [];
  $("head").replaceChildren(el("tr", {}, ...["排名", "委员", "界别", "板块", ...kinds.map((k) => k.name), "得分", "挂钩点位活动", "差额"]
    .map((h) => el("th", { textContent: h }))));
  $("rows").replaceChildren(...data.items.map((m) => {
    const name = el("button", { type: "button", className: "link", textContent: m.name, onclick: () => detail(m) });
    return el("tr", {}, el("td", { textContent: String(m.rank) }), el("td", {}, name),
      el("td", { textContent: m.circle }), el("td", { textContent: m.sector }),
      ...m.items.map((i) => el("td", { textContent: `${i.count}（${i.score}）`, title: i.formula })),
      el("td", { textContent: String(m.score) }), el("td", { textContent: `${m.site_activities}/${m.required_site_activities}` }),
      el("td", { textContent: m.shortfall ? `差 ${m.shortfall}` : "达标" }));
  }));
  const short = await get(`/api/v1/duty/shortfalls?year=${data.year}`);
  $("shortfalls").replaceChildren(...short.items.map((m) => el("tr", {}, ...[m.name, m.circle, m.sites.join("、"),
    m.site_activities, m.required_site_activities, m.shortfall].map((v) => el("td", { textContent: String(v) })))));
  $("circles").replaceChildren(...groupRows(data.circles));
  $("sectors").replaceChildren(...groupRows(data.sectors));
}

async function start(me) {
  $("who").textContent = me.user.display_name;
  $("home").hidden = false;
  $("year").value = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 4);
  $("filters").addEventListener("submit", load);
  await load();
  document.body.dataset.ready = "1";
}

api("/api/v1/auth/me", { token: null }).then(start).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
  document.body.dataset.ready = "1";
});
