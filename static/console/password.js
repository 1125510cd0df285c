// Staff page: change your own password (and replace a temporary one before anything else).
import { api } from "/static/common/api.js";

const $ = (id) => document.getElementById(id);
let csrf = null;

function showErrors(messages) {
  $("error").replaceChildren(...messages.map((m) => { const li = document.createElement("li"); li.textContent = m; return li; }));
  $("error").hidden = false;
}

$("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("error").hidden = true;
  if ($("new").value !== $("again").value) { showErrors(["两次输入的新密码不一致"]); return; }
  try {
    await api("/api/v1/auth/password", {
      method: "POST", token: null, headers: { "X-CSRF-Token": csrf },
      body: { current_password: $("current").value, new_password: $("new").value } });
    $("password-form").hidden = true;
    $("must-change").hidden = true;
    $("done").hidden = false;
    setTimeout(() => { location.href = "/console/"; }, 800);
  } catch (err) {
    const fields = err.errors || {};
    showErrors([err.message, ...(fields.password || []), ...(fields.current_password || [])]
      .filter((m, i, all) => m && all.indexOf(m) === i));
  }
});

api("/api/v1/auth/me", { token: null }).then((session) => {
  csrf = session.csrf_token;
  $("who").textContent = session.user.display_name;
  $("must-change").hidden = !session.user.must_change_password;
  $("password-form").hidden = false;
}).catch(() => {
  $("who").textContent = "未登录";
  $("login-needed").hidden = false;
});
