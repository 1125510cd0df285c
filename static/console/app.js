// Staff console shell: session login (cookie + CSRF token), then the user's roles and scopes.
import { api } from "/static/common/api.js";

let csrf = null;
const $ = (id) => document.getElementById(id);

function show(session) {
  csrf = session.csrf_token;
  $("login-form").hidden = true;
  $("home").hidden = false;
  $("who").textContent = session.user.display_name;
  $("welcome").textContent = `欢迎，${session.user.display_name}`;
  $("grants").replaceChildren(...session.user.grants.map((g) => {
    const li = document.createElement("li");
    const scope = g.site_name || g.unit_name || g.department_name || "全区";
    li.textContent = `${g.role_name} · ${scope}`;
    return li;
  }));
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").hidden = true;
  try {
    const session = await api("/api/v1/auth/login", {
      method: "POST", token: null,
      body: { username: $("username").value, password: $("password").value },
    });
    show(session);
  } catch (err) {
    $("login-error").textContent = err.message;
    $("login-error").hidden = false;
  }
});

$("logout").addEventListener("click", async () => {
  await api("/api/v1/auth/logout", { method: "POST", token: null, headers: { "X-CSRF-Token": csrf } });
  location.reload();
});

api("/api/v1/auth/me", { token: null }).then(show).catch(() => {});
