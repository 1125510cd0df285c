// A ballot without a definitive answer is resent with the SAME idempotency key (kept in
// storage), so it counts once whatever the network did.
const h = require('./harness')
const { castVote } = require('../utils/vote')

let seed
beforeAll(() => { seed = h.configure() })

async function checkedInPhone(user) {
  h.resetPhone(user)
  const page = await h.openPage(`/pages/meeting/index?code=${seed.online_meeting.code}`)
  await h.tap(page, '.scan-checkin') // an online meeting: no presence code
  await h.waitFor('the check-in', () => page.data.me.checked_in, { seen: () => h.text(page) })
  page.close()
}

test('a ballot the phone never got to send goes out when the page opens again', async () => {
  await checkedInPhone('vote-resident-1')
  const poll = seed.online_poll
  h.wx.setStorageSync('sl.vote.pending', { [String(poll.id)]: { key: 'mp-unsent-0001', choices: [poll.options[1]] } })
  const page = await h.openPage(`/pages/meeting/index?code=${seed.online_meeting.code}`)
  await h.waitFor('the resent ballot', () => page.data.voted, { seen: () => h.text(page) })
  expect(h.stubs.requests.filter((r) => r === `POST /api/v1/polls/${poll.id}/votes`)).toHaveLength(1)
  expect(h.wx.getStorageSync('sl.vote.pending')).toEqual({})
  page.close()
})

test('a ballot whose answer was lost is resent with its key and answered as a replay', async () => {
  await checkedInPhone('vote-resident-2')
  const poll = seed.online_poll
  const token = h.wx.getStorageSync('sl.token')
  const key = 'mp-lost-answer-0002'
  // The ballot reached the server; its answer never reached the phone.
  const first = await h.staffApi(token, `/api/v1/polls/${poll.id}/votes`, { method: 'POST',
    data: { choices: [poll.options[0]], idempotency_key: key } })
  h.wx.setStorageSync('sl.vote.pending', { [String(poll.id)]: { key, choices: [poll.options[0]] } })
  const receipt = await castVote(poll.id, [poll.options[0]])
  expect(receipt).toMatchObject({ ballot_id: first.ballot_id, replay: true })
  expect(h.wx.getStorageSync('sl.vote.pending')).toEqual({})
  // Two residents, two ballots: nothing counted twice.
  const snap = await h.staffApi(seed.tokens.moderator, `/api/v1/meetings/${seed.online_meeting.id}/snapshot`)
  expect(snap.polls.find((p) => p.id === poll.id).ballots).toBe(2)
})

test('a definitive refusal clears the stored key; a network failure keeps it for later', async () => {
  h.resetPhone('vote-resident-3')
  await expect(castVote(999999, [1], { backoff: [10] })).rejects.toMatchObject({ status: 404 })
  expect(h.wx.getStorageSync('sl.vote.pending')).toEqual({})
  const config = require('../config')
  const saved = config.apiBase
  config.apiBase = 'http://127.0.0.1:9' // nothing listens there: the phone is offline
  try {
    h.wx.setStorageSync('sl.token', 'r.any')
    await expect(castVote(424242, [7], { backoff: [10, 20], deadlineMs: 200 }))
      .rejects.toMatchObject({ status: 0, pending: true })
  } finally {
    config.apiBase = saved
  }
  const kept = h.wx.getStorageSync('sl.vote.pending')['424242']
  expect(kept.choices).toEqual([7])
  expect(kept.key).toMatch(/^mp-/)
})
