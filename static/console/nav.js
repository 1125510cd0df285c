// The console's persistent navigation: one bar under the header of every console page, the
// current page marked, so every page (posters and audit included) has a way on and back.
import { el } from "/static/common/dom.js";

export const CONSOLE_PAGES = [
  ["/console/", "工作台"], ["/console/dashboard", "数据看板"], ["/console/meetings", "协商活动"],
  ["/console/supervision", "超时预警与督办"], ["/console/assessment", "考评排名"],
  ["/console/review", "主席会议审议"], ["/console/duty", "委员履职"], ["/console/thinktank", "委员与智库"],
  ["/console/posters", "二维码海报"], ["/console/wall", "指挥调度大屏"], ["/console/audit", "审计日志"],
  ["/console/calendar", "节假日设置"], ["/console/accounts", "账号与权限"], ["/console/import", "数据导入"],
  ["/console/district", "区县结构"], ["/console/password", "修改密码"],
];

function bar() {
  const here = location.pathname.replace(/\/$/, "") || "/console";
  return el("nav", { class: "console-bar", "aria-label": "工作台导航" },
    ...CONSOLE_PAGES.map(([href, label]) => {
      const link = el("a", { href }, label);
      if (href.replace(/\/$/, "") === here) link.setAttribute("aria-current", "page");
      return link;
    }));
}

const header = document.querySelector("header.band");
if (header && !document.querySelector(".console-bar")) header.after(bar());
