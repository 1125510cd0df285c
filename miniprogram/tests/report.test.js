// Journeys: report with a photo -> tracking number (upload progress, the similar-report
// hint with 我也遇到了); subscribe consent recorded on the server and a later answer
// sending exactly the accepted template; messages; my reports -> rate within the window.
const h = require('./harness')

let seed
let trackingNo
const USER = 'report-resident'
const TEXT = '黄庄村东头的路灯坏了三个月，晚上老人孩子出行很不安全'

beforeAll(async () => {
  seed = h.configure()
  h.resetPhone(USER)
  // Another resident (a phone browser) reported the same lamp earlier.
  const guest = await (async () => {
    const http = require('http')
    return new Promise((resolve, reject) => {
      const req = http.request(`${process.env.SL_API_BASE}/api/v1/auth/guest`, { method: 'POST' }, (res) => {
        let body = ''
        res.on('data', (c) => { body += c })
        res.on('end', () => resolve(JSON.parse(body).token))
      })
      req.on('error', reject)
      req.end()
    })
  })()
  await h.staffApi(guest, '/api/v1/intake/opinions', { method: 'POST', data: {
    site_code: seed.site.code, category_id: Object.values(seed.categories)[0],
    text: '村东头路灯坏了好久，晚上一片黑', photo_ids: [], phone: null, anonymous: false, consent: true } })
})

test('report with a photo gets a tracking number; consent goes to the server', async () => {
  const page = await h.openPage(`/pages/report/index?code=${seed.site.code}`)
  await h.waitFor('the categories', () => page.querySelectorAll('.chip').length > 0, { seen: () => h.text(page) })
  await h.tap(page, '.chip')
  page.querySelector('.text').dispatchEvent('input', { detail: { value: TEXT } })
  // The similar-report hint: the earlier report, with 我也遇到了.
  await h.waitFor('the similar hint', () => h.text(page).includes('附近有人反映过相同的问题吗'), { seen: () => h.text(page) })
  expect(h.text(page)).toContain('村东头路灯坏了好久')
  await h.tap(page, '.support')
  await h.waitFor('the +1', () => h.text(page).includes('已表示遇到，谢谢'), { seen: () => h.text(page) })
  expect(h.text(page)).toContain('1 人也遇到了')

  // A photo from the album, uploaded with progress.
  h.stubs.chooseMedia = [{ tempFilePath: seed.photo, size: 1, fileType: 'image' }]
  await h.tap(page, '.add-photo')
  await h.waitFor('the uploaded photo', () => page.data.photos.length === 1 && !page.data.uploads.length,
    { seen: () => JSON.stringify(page.data.uploads) + h.text(page) })
  expect(h.stubs.progress.length).toBeGreaterThan(1)
  expect(h.stubs.progress[h.stubs.progress.length - 1]).toBe(100)
  expect(h.text(page)).toContain('已添加 1 / 6 张')

  // Submit: WeChat asks about the two case templates; the resident allows only 已答复.
  h.stubs.subscribe = { [seed.templates.accepted]: 'reject', [seed.templates.answered]: 'accept' }
  expect(h.text(page)).toContain('个人信息保护告知')
  page.querySelector('.consent').dispatchEvent('change', { detail: { value: true } })
  await h.tap(page, '.submit')
  await h.waitFor('the receipt', () => page.data.receipt && page.data.subscribedText, { seen: () => h.text(page) })
  expect(h.stubs.subscribeAsked).toEqual([[seed.templates.accepted, seed.templates.answered]])
  trackingNo = page.data.receipt.tracking_no
  expect(h.text(page)).toContain('提交成功')
  expect(h.text(page)).toContain(trackingNo)
  expect(h.text(page)).toContain('已答复时会给您发微信提醒')
  const token = h.wx.getStorageSync('sl.token')
  const subs = await h.staffApi(token, '/api/v1/notify/subscriptions')
  expect(Object.fromEntries(subs.map((s) => [s.template_id, s.credits]))).toEqual({
    [seed.templates.accepted]: 0, [seed.templates.answered]: 1, [seed.templates.meeting_published]: 0 })
  // The report on the server carries the photo.
  const detail = await h.staffApi(token, `/api/v1/intake/my/opinions/${trackingNo}`)
  expect(detail.photos).toHaveLength(1)
  await h.tap(page, '.open-receipt')
  expect(h.stubs.nav.pop()).toEqual(['redirectTo', `/pages/mine/index?no=${trackingNo}`])
  page.close()
})

test('a later answer sends exactly the accepted template, once', async () => {
  const { dispatcher, handler } = seed.tokens
  const cases = await h.staffApi(dispatcher, `/api/v1/cases?q=${trackingNo}`)
  const item = (cases.items || cases).find((c) => c.tracking_no === trackingNo)
  expect(item).toBeTruthy()
  await h.staffApi(dispatcher, `/api/v1/cases/${item.id}/accept`, { method: 'POST', data: { note: '' } })
  await h.staffApi(dispatcher, `/api/v1/cases/${item.id}/assign`, { method: 'POST', data: { department_id: seed.department_id } })
  await h.staffApi(handler, `/api/v1/cases/${item.id}/sign`, { method: 'POST', data: { note: '' } })
  await h.staffApi(handler, `/api/v1/cases/${item.id}/answer`, { method: 'POST', data: { text: '路灯已于本周全部更换完毕，感谢您的反映' } })
  const sent = (await h.wechatCalls()).filter((c) => c.path === 'subscribe_send' && c.touser === h.openidOf(USER))
  expect(sent.map((c) => c.template_id)).toEqual([seed.templates.answered])
  expect(sent[0].page).toBe(`pages/mine/index?no=${trackingNo}`)
  expect(sent[0].data.character_string1.value).toBe(trackingNo)
})

test('messages show the progress', async () => {
  const page = await h.openPage('/pages/messages/index')
  expect(h.text(page)).toContain('您反映的问题已答复')
  expect(h.text(page)).toContain('您反映的问题已受理')
  expect(page.querySelectorAll('.unread')).toHaveLength(2)
  await h.tap(page, '.message')
  await h.waitFor('read', () => page.querySelectorAll('.unread').length === 1, { seen: () => h.text(page) })
  expect(h.stubs.nav.pop()).toEqual(['navigateTo', '/pages/mine/index'])
  page.close()
})

test('my reports: the answer, a rating, and its 7-day window', async () => {
  const list = await h.openPage('/pages/mine/index')
  expect(h.text(list)).toContain(trackingNo)
  expect(h.text(list)).toContain('待您评价')
  await h.tap(list, '.mine-item')
  await h.waitFor('the detail', () => list.data.detail, { seen: () => h.text(list) })
  expect(h.text(list)).toContain('路灯已于本周全部更换完毕')
  const rating = list.querySelector('.rating')
  rating.querySelectorAll('.choice')[0].dispatchEvent('tap') // 满意
  rating.querySelector('.comment').dispatchEvent('input', { detail: { value: '修得很快' } })
  rating.querySelector('.submit').dispatchEvent('tap')
  await h.waitFor('the rating', () => list.data.rated, { seen: () => h.text(list) })
  expect(h.text(list)).toContain('满意：修得很快')
  expect(h.text(list)).toMatch(/评价于 .*前可以修改/)
  expect(h.text(list)).toMatch(/修改评价（\d+月\d+日\d\d:\d\d前可修改）/)
  // Change it within the window: 基本满意.
  await h.tap(list, '.rating-change')
  const change = list.querySelector('.rating')
  change.querySelectorAll('.choice')[1].dispatchEvent('tap')
  change.querySelector('.submit').dispatchEvent('tap')
  await h.waitFor('the changed rating', () => list.data.ratedText.startsWith('基本满意') && !list.data.ratingBusy,
    { seen: () => h.text(list) })
  expect(h.text(list)).toContain('评价于')
  const server = await h.staffApi(h.wx.getStorageSync('sl.token'), `/api/v1/intake/my/opinions/${trackingNo}`)
  expect(server.rating).toBe('basically')
  list.close()
})
