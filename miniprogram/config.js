// Deployment settings of the mini-program (README「微信小程序」). Edit them here, then run
// `npm run configure` so project.config.json carries the same appid.
module.exports = {
  // The mini-program's AppID (微信公众平台 → 开发管理 → 开发设置). "touristappid" is the
  // developer tool's placeholder for a project without an account.
  appid: 'touristappid',
  // The server's HTTPS origin: our API and photo uploads. It must be listed as a request
  // and uploadFile legal domain (服务器域名) of the mini-program.
  apiBase: 'https://sl.example.cn',
  // Subscribe-message template ids (订阅消息 → 我的模板), the same ids as the server's
  // templates (PUT /api/v1/notify/templates/{event}); the server refuses any other id.
  templates: {
    accepted: 'TPL_CASE_ACCEPTED',
    answered: 'TPL_CASE_ANSWERED',
    meeting_published: 'TPL_MEETING_PUBLISHED',
  },
}
