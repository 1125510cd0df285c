// Journeys: a site's 小程序码 (scene) -> the site page; login through wx.login and
// POST /auth/wechat; the stored token renewed after a 401.
const h = require('./harness')

let seed
beforeAll(() => { seed = h.configure() })
beforeEach(() => h.resetPhone('entry-resident'))

test('scene of a site code opens that site page, signed in through WeChat', async () => {
  const entry = await h.openPage(`/pages/index/index?scene=${encodeURIComponent(encodeURIComponent(`s=${seed.site.code}`))}`)
  expect(h.stubs.nav).toEqual([['redirectTo', `/pages/site/index?code=${seed.site.code}`]])
  entry.close()
  const site = await h.openPage(h.stubs.nav[0][1])
  await h.waitFor('the site name', () => h.text(site).includes(seed.site.name), { seen: () => h.text(site) })
  expect(h.text(site)).toContain('今年收到反映')
  expect(h.text(site)).toContain('黄庄村农路修缮协商会') // its meeting, from the real server
  expect(h.text(site)).toContain('正在进行，进入签到投票')
  // Login: one wx.login code exchanged for our token, kept in storage.
  expect(h.stubs.loginCount).toBe(1)
  const token = h.wx.getStorageSync('sl.token')
  expect(token).toMatch(/^r\./)
  const me = await h.staffApi(token, '/api/v1/residents/me')
  expect(me.kind).toBe('wechat')
  await h.tap(site, '.open-meeting')
  expect(h.stubs.nav[1]).toEqual(['navigateTo', `/pages/meeting/index?code=${seed.meeting.code}`])
  site.close()
})

test('an ordinary QR link (q) and a meeting scene land on the site and the meeting', async () => {
  const q = encodeURIComponent(`https://sl.example.cn/s/${seed.site.code}`)
  ;(await h.openPage(`/pages/index/index?q=${q}&scancode_time=1700000000`)).close()
  ;(await h.openPage(`/pages/index/index?scene=${encodeURIComponent(`m=${seed.meeting.code}`)}`)).close()
  expect(h.stubs.nav).toEqual([
    ['redirectTo', `/pages/site/index?code=${seed.site.code}`],
    ['redirectTo', `/pages/meeting/index?code=${seed.meeting.code}`]])
  const bad = await h.openPage('/pages/index/index?scene=x%3DNOPE')
  expect(h.text(bad)).toContain('无法识别这个二维码')
  bad.close()
})

test('a token the server refuses (401) is renewed by signing in again once', async () => {
  h.wx.setStorageSync('sl.token', 'r.forged-or-expired')
  const mine = await h.openPage('/pages/mine/index')
  await h.waitFor('the empty list', () => h.text(mine).includes('您还没有反映过问题'), { seen: () => h.text(mine) })
  expect(h.stubs.loginCount).toBe(1)
  expect(h.wx.getStorageSync('sl.token')).not.toBe('r.forged-or-expired')
  expect(h.stubs.requests.filter((r) => r === 'GET /api/v1/intake/my/opinions')).toHaveLength(2)
  mine.close()
})

test('the app signs in on launch', async () => {
  let app
  global.App = (definition) => { app = definition }
  require('../app')
  app.onLaunch({ path: 'pages/index/index', query: {} })
  await h.waitFor('a stored token', () => h.wx.getStorageSync('sl.token'))
  expect(h.stubs.loginCount).toBe(1)
})
