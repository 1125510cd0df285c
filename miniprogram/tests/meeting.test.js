// Journeys: meeting check-in with the big screen's scanned code -> vote -> result; a
// proposal from the floor; rating an outcome; an unanswered ballot resent with its own key.
const h = require('./harness')

let seed
beforeAll(() => { seed = h.configure() })

async function joinUrl() {
  const join = await h.staffApi(seed.tokens.moderator, `/api/v1/meetings/${seed.meeting.id}/join-code`)
  return join.url
}

test('check in by scanning the screen, vote, see the result', async () => {
  h.resetPhone('meeting-resident-1')
  const page = await h.openPage(`/pages/meeting/index?code=${seed.meeting.code}`)
  expect(h.text(page)).toContain(seed.meeting.title)
  expect(h.text(page)).toContain('扫码签到')
  expect(page.data.canVote).toBe(false)

  // A code that is not this meeting's screen is refused with a plain message.
  h.stubs.scanCode = { result: 'https://sl.example.cn/s/SOMESITE', scanType: 'QR_CODE' }
  await h.tap(page, '.scan-checkin')
  await h.waitFor('the refusal', () => page.data.error, { seen: () => h.text(page) })
  expect(page.data.error).toContain('不是本次活动的签到码')

  // The big screen's rotating code, read by the camera (wx.scanCode answers its URL).
  h.stubs.scanCode = { result: await joinUrl(), scanType: 'QR_CODE', charSet: 'utf-8' }
  await h.tap(page, '.scan-checkin')
  await h.waitFor('the check-in', () => page.data.me.checked_in && page.data.canVote, { seen: () => h.text(page) })
  expect(h.text(page)).toContain('签到成功')
  expect(h.text(page)).toContain(seed.poll.options[0].label)

  // Vote 赞成 (the first option).
  page.querySelectorAll('.option')[0].dispatchEvent('tap')
  await h.tap(page, '.vote')
  await h.waitFor('the vote', () => page.data.voted, { seen: () => h.text(page) })
  expect(h.text(page)).toContain('您已投票')
  expect(h.wx.getStorageSync('sl.vote.pending')).toEqual({})

  // A proposal from the floor.
  page.querySelector('.proposal-text').dispatchEvent('input', { detail: { value: '路灯也一起装上' } })
  await h.tap(page, '.proposal-send')
  await h.waitFor('the proposal', () => page.data.proposalDone, { seen: () => h.text(page) })
  const proposals = await h.staffApi(seed.tokens.moderator, `/api/v1/meetings/${seed.meeting.id}/proposals`)
  expect(proposals.map((p) => p.text)).toContain('路灯也一起装上')

  // Rate the outcome (checked in, so allowed).
  await h.waitFor('the outcome', () => page.querySelector('.outcome-rating'), { seen: () => h.text(page) })
  const box = page.querySelector('.outcome-rating')
  box.querySelectorAll('.choice')[0].dispatchEvent('tap')
  box.querySelector('.submit').dispatchEvent('tap')
  await h.waitFor('the outcome rating', () => h.text(page).includes('您的评价：满意'), { seen: () => h.text(page) })

  // The moderator closes the poll; the page's refresh shows the result.
  await h.staffApi(seed.tokens.moderator, `/api/v1/polls/${seed.poll.id}/close`, { method: 'POST' })
  await page.instance.reload()
  await h.waitFor('the result', () => page.querySelector('.bars') && h.text(page).includes('表决已结束'), { seen: () => h.text(page) })
  const bars = page.querySelector('.bars')
  expect(h.text(bars)).toContain(`${seed.poll.options[0].label}1 票 · 100%`)
  expect(h.text(bars)).toContain('共 1 票')
  page.close()
})

test('opened from the screen code with the camera (q with p): checked in at once', async () => {
  h.resetPhone('meeting-resident-2')
  const entry = await h.openPage(`/pages/index/index?q=${encodeURIComponent(await joinUrl())}`)
  const [, target] = h.stubs.nav[0]
  expect(target).toMatch(new RegExp(`^/pages/meeting/index\\?code=${seed.meeting.code}&p=\\w+$`))
  entry.close()
  const page = await h.openPage(target)
  expect(page.data.me.checked_in).toBe(true)
  page.close()
})
