// Subscribe messages: ask WeChat (wx.requestSubscribeMessage, only from a tap) for the
// configured templates, then tell the server which ones the resident allowed.
const config = require('../config')
const { api } = require('./api')

// Events whose message a resident may want after each action.
const AFTER = { report: ['accepted', 'answered'], follow: ['meeting_published'] }

// Show WeChat's dialog; resolves with {templateId: 'accept'|'reject'|'ban'|'filter'} or null.
function askConsent(action) {
  const ids = (AFTER[action] || []).map((e) => config.templates[e]).filter(Boolean)
  return new Promise((resolve) => {
    if (!ids.length || typeof wx.requestSubscribeMessage !== 'function') return resolve(null)
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => {
        const results = {}
        for (const id of ids) if (typeof res[id] === 'string') results[id] = res[id]
        resolve(Object.keys(results).length ? results : null)
      },
      // Closed, or messages switched off in settings: nothing to record.
      fail: () => resolve(null),
    })
  })
}

// Record the answer on the server; a failure only costs the reminders, so it is swallowed.
async function recordConsent(results) {
  if (!results) return null
  try {
    return await api('/api/v1/notify/subscriptions', { method: 'POST', data: { results } })
  } catch (e) {
    return null
  }
}

module.exports = { askConsent, recordConsent, AFTER }
