// The supervision page's list of members who fall short of their yearly duty at their sites.
import { api } from "/static/common/api.js";

const box = document.getElementById("duty-shortfalls");

api("/api/v1/duty/shortfalls", { token: null }).then((data) => {
  const rows = data.items.map((m) => {
    const tr = document.createElement("tr");
    for (const value of [m.name, m.circle, m.sites.join("、"), m.site_activities, m.required_site_activities, m.shortfall]) {
      const td = document.createElement("td");
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  document.getElementById("duty-shortfall-rows").replaceChildren(...rows);
  box.hidden = false;
}).catch(() => { /* not signed in or not allowed: the section stays hidden */ });
