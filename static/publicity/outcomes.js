// The public outcomes page of a site (/outcomes/s/CODE) or a town/district (/outcomes/u/CODE).
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function outcomeItem(o) {
  const item = el("li", { className: "outcome" });
  item.dataset.outcome = String(o.outcome_id);
  item.append(el("h3", { textContent: o.meeting_title }),
    el("p", { className: "muted", textContent: `${o.date} · ${o.site_name}` }),
    el("p", { textContent: `协商商定：${o.before}` }),
    el("p", { className: "where", textContent: `去向：${o.where.text}` }));
  if (o.after) item.append(el("p", { textContent: `落实情况：${o.after}` }));
  if (o.departments.length) item.append(el("p", { textContent: `承办部门：${o.departments.join("、")}` }));
  for (const photo of o.photos) item.append(el("img", { src: photo.thumb_url, alt: "成果照片", loading: "lazy" }));
  return item;
}

async function load() {
  const [, kind, code] = location.pathname.match(/^\/outcomes\/(s|u)\/([^/]+)/) || [];
  const year = new URLSearchParams(location.search).get("year");
  const base = kind === "s" ? `/api/v1/public/sites/${code}/outcomes` : `/api/v1/public/units/${code}/outcomes`;
  try {
    const page = await api(base + (year ? `?year=${encodeURIComponent(year)}` : ""), { token: null });
    document.title = `${page.name} 协商成果 · 有事好商量`;
    $("title").textContent = `${page.name} · 协商成果`;
    $("period").textContent = `${page.year} 年（${page.figures.period}）`;
    $("fig-activities").textContent = String(page.figures.activities);
    $("fig-collected").textContent = String(page.figures.collected);
    $("fig-solved").textContent = String(page.figures.solved);
    $("summary").textContent = `${page.unit_name}今年开展活动 ${page.figures.activities} 场次，收集社情民意 ${page.figures.collected} 条，助推解决问题 ${page.figures.solved} 个。`;
    $("empty").hidden = page.outcomes.length > 0;
    $("outcomes").replaceChildren(...page.outcomes.map(outcomeItem));
  } catch (e) {
    $("error").textContent = e.message;
    $("error").hidden = false;
  } finally {
    document.body.dataset.ready = "1";
  }
}

$("share").addEventListener("click", async () => {
  try { await navigator.clipboard.writeText(location.href); $("shared").textContent = "已复制"; }
  catch { $("shared").textContent = location.href; }
});

load();
