// Staff page: pick a unit and download its batch poster PDF/ZIP, or one site's files.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";

const $ = (id) => document.getElementById(id);
let unit = null; // the deepest unit picked

function posterQuery() {
  const params = new URLSearchParams({ size: $("size").value });
  if ($("bleed").checked) params.set("bleed", "3");
  if ($("crop").checked) params.set("crop_marks", "true");
  return params.toString();
}

function refreshBatchLinks() {
  const ready = unit !== null;
  for (const id of ["batch-pdf", "batch-zip"]) $(id).setAttribute("aria-disabled", String(!ready));
  $("unit-label").textContent = ready ? `已选：${unit.label}` : "请选择行政单元";
  if (!ready) return;
  $("batch-pdf").href = `/api/v1/units/${unit.id}/posters.pdf?${posterQuery()}`;
  $("batch-zip").href = `/api/v1/units/${unit.id}/posters.zip?size=${$("size").value}`;
}

// Batch files take a few seconds: fetch them so errors (scope, font) show as text.
async function download(event) {
  event.preventDefault();
  const link = event.currentTarget;
  if (link.getAttribute("aria-disabled") === "true") return;
  $("batch-error").hidden = true;
  const label = link.textContent;
  link.textContent = "正在生成……";
  try {
    const res = await fetch(link.href, { credentials: "same-origin" });
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      throw new Error((body && body.message) || "生成失败，请稍后再试");
    }
    const disposition = res.headers.get("Content-Disposition") || "";
    const match = disposition.match(/filename\*=UTF-8''([^;]+)/);
    const a = el("a", { href: URL.createObjectURL(await res.blob()),
                        download: match ? decodeURIComponent(match[1]) : "posters" });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    $("batch-error").textContent = err.message;
    $("batch-error").hidden = false;
  } finally {
    link.textContent = label;
  }
}

async function addUnitLevel(parentId, labels) {
  const children = await api(`/api/v1/units${parentId ? `?parent_id=${parentId}` : ""}`,
    { token: null });
  if (!children.length) return;
  const select = el("select", { "aria-label": "行政单元" });
  select.append(el("option", { value: "" }, parentId ? "（整个单元）" : "请选择"));
  for (const u of children) select.append(el("option", { value: String(u.id) }, u.name));
  select.addEventListener("change", async () => {
    while (select.nextSibling) select.nextSibling.remove();
    const picked = children.find((u) => String(u.id) === select.value);
    if (picked) {
      const path = [...labels, picked.name];
      unit = { id: picked.id, label: path.join(" · ") };
      refreshBatchLinks();
      await addUnitLevel(picked.id, path);
    } else {
      unit = parentId ? { id: parentId, label: labels.join(" · ") } : null;
      refreshBatchLinks();
    }
  });
  $("units").append(select);
}

function siteItem(site) {
  const li = el("li");
  li.append(el("strong", {}, site.name), el("div", { class: "muted" },
    `${site.unit_path} · 编号 ${site.code}${site.active ? "" : " · 已停用"}`));
  const links = el("div", { class: "links" });
  const base = `/api/v1/sites/${site.id}`;
  for (const [href, text] of [
    [`${base}/poster.pdf?${posterQuery()}`, "海报 PDF"],
    [`${base}/poster.png?size=${$("size").value}`, "海报预览 PNG"],
    [`${base}/qr.png?px=1200`, "二维码 PNG"],
    [`${base}/qr.svg`, "二维码 SVG"],
    [`${base}/wxacode.png`, "小程序码"],
  ]) links.append(el("a", { href }, text));
  li.append(links);
  const stats = el("div", { class: "muted" }, "近 7 天扫码：…");
  li.append(stats);
  api(`${base}/scans?days=7`, { token: null }).then((s) => {
    stats.textContent = `近 7 天扫码 ${s.total_scans} 次，约 ${s.unique_visitors} 人`;
  }).catch(() => { stats.textContent = ""; });
  return li;
}

$("search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const params = new URLSearchParams({ per_page: "20" });
  if ($("q").value.trim()) params.set("q", $("q").value.trim());
  if (unit) params.set("unit_id", String(unit.id));
  const list = $("sites");
  try {
    const page = await api(`/api/v1/sites?${params}`, { token: null });
    list.replaceChildren(...page.items.map(siteItem));
    if (!page.items.length) list.replaceChildren(el("li", { class: "muted" }, "没有找到点位"));
  } catch (err) {
    list.replaceChildren(el("li", { class: "error" }, err.message));
  }
});

for (const id of ["size", "bleed", "crop"]) $(id).addEventListener("change", refreshBatchLinks);
for (const id of ["batch-pdf", "batch-zip"]) $(id).addEventListener("click", download);

api("/api/v1/auth/me", { token: null }).then(async (session) => {
  $("who").textContent = session.user.display_name;
  $("batch").hidden = false;
  $("single").hidden = false;
  await addUnitLevel(null, []);
}).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
});
