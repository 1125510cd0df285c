// 有事好商量 mini-program. Pages are built with Component() (WeChat allows it for pages),
// so the tests can render each one with miniprogram-simulate.
const { ensureToken } = require('./utils/api')

App({
  onLaunch() {
    // Sign in early; a page that needs the token waits for the same login.
    ensureToken().catch(() => {})
  },
})
