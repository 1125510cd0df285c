// Cast a ballot so that it counts once whatever the network does: the idempotency key of a
// ballot without a definitive answer stays in storage, and every retry (network error, or
// 503 vote_pending while the server's Redis is away) sends the SAME key and choices.
const { api } = require('./api')

const PENDING_KEY = 'sl.vote.pending'
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000]

function newKey() {
  let hex = ''
  for (let i = 0; i < 32; i++) hex += Math.floor(Math.random() * 16).toString(16)
  return 'mp-' + Date.now().toString(36) + '-' + hex
}

function pendingAll() {
  try {
    return wx.getStorageSync(PENDING_KEY) || {}
  } catch (e) {
    return {}
  }
}

// The unanswered ballot of a poll ({key, choices}), if any.
function pendingBallot(pollId) {
  return pendingAll()[String(pollId)] || null
}

function setPending(pollId, ballot) {
  const all = pendingAll()
  if (ballot) all[String(pollId)] = ballot
  else delete all[String(pollId)]
  wx.setStorageSync(PENDING_KEY, all)
}

function retryable(err) {
  return err.status === 0 || err.status === 503 || err.status === 502 || err.status === 504
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Send the ballot until the server answers definitively (a receipt or a refusal). Gives up
// after `deadlineMs` with the key still stored: resume() sends it again later.
async function castVote(pollId, choices, { deadlineMs = 120000, backoff = BACKOFF_MS } = {}) {
  let ballot = pendingBallot(pollId)
  if (!ballot) {
    ballot = { key: newKey(), choices: choices.slice() }
    setPending(pollId, ballot)
  }
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    try {
      const receipt = await api(`/api/v1/polls/${pollId}/votes`, {
        method: 'POST', data: { choices: ballot.choices, idempotency_key: ballot.key } })
      setPending(pollId, null)
      return receipt
    } catch (err) {
      if (!retryable(err)) {
        setPending(pollId, null)
        throw err
      }
      const hinted = err.errors && Number(err.errors.retry_after) > 0 ? Number(err.errors.retry_after) * 1000 : 0
      const wait = Math.max(hinted, backoff[Math.min(attempt, backoff.length - 1)])
      if (Date.now() - started + wait > deadlineMs) {
        err.pending = true
        throw err
      }
      await sleep(wait)
    }
  }
}

// The server already counts this resident's ballot: nothing is left to resend.
function forgetBallot(pollId) {
  if (pendingBallot(pollId)) setPending(pollId, null)
}

module.exports = { castVote, forgetBallot, pendingBallot, PENDING_KEY }
