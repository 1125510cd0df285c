// The site page: follow (with the meeting-message consent recorded on the server),
// topics, and large-text mode (适老化) kept across pages.
const h = require('./harness')

let seed
beforeAll(() => { seed = h.configure() })

test('follow asks for the meeting message and the server records the answer', async () => {
  h.resetPhone('site-follower')
  const page = await h.openPage(`/pages/site/index?code=${seed.site.code}`)
  await h.waitFor('the follow button', () => page.data.followReady, { seen: () => h.text(page) })
  expect(h.text(page)).toContain('关注本议事室')
  h.stubs.subscribe = { [seed.templates.meeting_published]: 'accept' }
  await h.tap(page, '.follow')
  await h.waitFor('following', () => page.data.following && page.instance.subscriptions, { seen: () => h.text(page) })
  expect(h.stubs.subscribeAsked).toEqual([[seed.templates.meeting_published]])
  expect(h.text(page)).toContain('您已关注')
  const subs = await h.staffApi(h.wx.getStorageSync('sl.token'), '/api/v1/notify/subscriptions')
  expect(subs.find((s) => s.event === 'meeting_published').credits).toBe(1)
  // Unfollowing asks nothing.
  await h.tap(page, '.follow')
  await h.waitFor('not following', () => !page.data.following && !page.data.followBusy, { seen: () => h.text(page) })
  expect(h.stubs.subscribeAsked).toHaveLength(1)
  page.close()
})

test('propose a topic and support one', async () => {
  h.resetPhone('site-topic-resident')
  const page = await h.openPage(`/pages/site/index?code=${seed.site.code}`)
  page.querySelector('.topic-title').dispatchEvent('input', { detail: { value: '村里想建一个健身广场' } })
  await h.tap(page, '.topic-submit')
  await h.waitFor('the topic', () => h.text(page).includes('村里想建一个健身广场'), { seen: () => h.text(page) })
  page.close()
  h.resetPhone('site-topic-supporter')
  const other = await h.openPage(`/pages/site/index?code=${seed.site.code}`)
  await h.tap(other, '.support')
  await h.waitFor('the support', () => h.text(other).includes('已支持，谢谢'), { seen: () => h.text(other) })
  expect(h.text(other)).toContain('2 人支持')
  other.close()
})

test('large-text mode switches on and stays on for the next page', async () => {
  h.resetPhone('site-elder')
  const page = await h.openPage(`/pages/site/index?code=${seed.site.code}`)
  const root = () => page.dom.querySelector('.site--page') || page.dom.firstElementChild
  expect(page.data.large).toBe(false)
  page.querySelector('.large-switch').querySelector('.toggle').dispatchEvent('tap')
  await h.simulate.sleep(0)
  expect(page.data.large).toBe(true)
  expect(root().className).toContain('large')
  expect(h.text(page)).toContain('标准字')
  page.close()
  const next = await h.openPage('/pages/messages/index')
  expect(next.data.large).toBe(true)
  // Switched back on another page: the meeting page follows when it shows again.
  const meeting = await h.openPage(`/pages/meeting/index?code=${seed.meeting.code}`)
  expect(meeting.data.large).toBe(true)
  await h.tap(next.querySelector('.large-switch'), '.toggle')
  expect(next.data.large).toBe(false)
  meeting.instance.onHide()
  meeting.instance.onShow()
  expect(meeting.data.large).toBe(false)
  meeting.close()
  next.close()
})
