// Resident page: identify the site from the URL, get a guest token silently, show the site.
import { api, ensureResidentToken } from "/static/common/api.js";

const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");

async function main() {
  try {
    await ensureResidentToken();
    const site = await api(`/api/v1/public/sites/${encodeURIComponent(code)}`);
    document.title = `${site.name} · 有事好商量`;
    document.getElementById("site-name").textContent = site.name;
    document.getElementById("unit-path").textContent = site.unit_path;
    document.getElementById("site-address").textContent = site.address;
  } catch (err) {
    const box = document.getElementById("page-error");
    box.textContent = err.message || "页面加载失败，请稍后再试";
    box.hidden = false;
    document.getElementById("unit-path").textContent = "";
  }
}

main();
