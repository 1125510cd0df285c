// Staff page: check a district workbook (dry run), show every problem by sheet/row/column,
// then import it and show the new accounts' temporary passwords once.
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);
let csrf = null;
let checkedFile = null;

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== "") node.textContent = text;
  return node;
}

function row(...cells) {
  const tr = el("tr");
  for (const cell of cells) tr.append(cell instanceof Node ? cell : el("td", {}, String(cell ?? "")));
  return tr;
}

function reset() {
  $("error").hidden = true;
  $("status").textContent = "";
  $("problems").hidden = true;
  $("summary").hidden = true;
}

async function send(dryRun) {
  const file = $("file").files[0];
  if (!file) { $("error").textContent = "请先选择填好的工作簿（.xlsx）"; $("error").hidden = false; return; }
  reset();
  const form = new FormData();
  form.append("file", file);
  $("status").textContent = dryRun ? "正在检查……" : "正在导入……";
  try {
    const result = await api(`/api/v1/district/import?dry_run=${dryRun}`, {
      method: "POST", form, token: null, headers: { "X-CSRF-Token": csrf } });
    showSummary(result);
    if (dryRun) {
      checkedFile = file;
      $("run").disabled = false;
      $("status").textContent = `检查通过：共 ${result.rows} 行，可以导入。`;
    } else {
      $("run").disabled = true;
      $("status").textContent = `导入完成：共 ${result.rows} 行，新账号 ${result.new_accounts} 个。`;
      showCredentials(result);
    }
  } catch (err) {
    $("status").textContent = "";
    $("run").disabled = true;
    const problems = (err.errors && err.errors.problems) || [];
    $("error").textContent = err.message;
    $("error").hidden = false;
    if (problems.length) {
      $("problems").tBodies[0].replaceChildren(...problems.map((p) =>
        row(p.sheet, p.row ?? "", p.column ?? "", p.message)));
      $("problems").hidden = false;
    }
  }
}

function showSummary(result) {
  $("summary").tBodies[0].replaceChildren(...Object.entries(result.sheets).map(([name, c]) =>
    row(name, c.created, c.updated, c.unchanged, c.retired)));
  $("summary").hidden = false;
}

function showCredentials(result) {
  if (!result.credentials.length) return;
  $("credentials").tBodies[0].replaceChildren(...result.credentials.map((c) =>
    row(c.username, c.display_name, c.roles, el("td", { class: "password" }, c.temporary_password))));
  $("credentials-download").href = result.credentials_url;
  $("credentials-card").hidden = false;
}

$("check").addEventListener("click", () => send(true));
$("run").addEventListener("click", () => {
  if ($("file").files[0] !== checkedFile) { send(true); return; }
  send(false);
});
$("file").addEventListener("change", () => { $("run").disabled = true; reset(); });

api("/api/v1/auth/me", { token: null }).then((session) => {
  if (session.user.must_change_password) { location.href = "/console/password"; return; }
  csrf = session.csrf_token;
  $("who").textContent = session.user.display_name;
  const districtAdmin = session.user.grants.some((g) => g.role === "admin" && !g.unit_id && !g.site_id && !g.department_id);
  if (!districtAdmin) { $("forbidden").hidden = false; return; }
  $("upload-card").hidden = false;
}).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
});
