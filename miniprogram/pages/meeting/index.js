// A meeting on the resident's phone: check in by scanning the big screen's rotating code
// (wx.scanCode), vote (a ballot's key survives retries), results, proposals from the floor,
// and rating the outcomes. The page re-reads the meeting every few seconds while shown.
const { api } = require('../../utils/api')
const { dayTime, errorText, localText } = require('../../utils/format')
const { largeText } = require('../../utils/large')
const { fromScan, queryOf } = require('../../utils/links')
const { castVote, forgetBallot, pendingBallot } = require('../../utils/vote')

const REFRESH_MS = 4000

Component({
  behaviors: [largeText],
  data: {
    code: '', meeting: {}, me: { checked_in: false, votes: {} }, poll: null, joinable: false,
    picked: {}, canVote: false, voted: false, voting: false, votePending: false,
    proposal: '', proposalDone: false, outcomes: [], error: '', notice: '',
  },
  methods: {
    onLoad(options) {
      const opts = options || {}
      this.setData({ code: opts.code || '' })
      this.ready = this.start(opts.p)
      return this.ready
    },
    onShow() {
      this.syncLarge()
      this.startRefresh()
    },
    onHide() { this.stopRefresh() },
    onUnload() { this.stopRefresh() },
    startRefresh() {
      this.stopRefresh()
      this.timer = setInterval(() => { this.reload().catch(() => {}) }, REFRESH_MS)
    },
    stopRefresh() { clearInterval(this.timer); this.timer = null },
    async start(presence) {
      try {
        await this.reload()
        // Opened from the screen's code with the camera (?p=…): check in at once.
        if (presence && !this.data.me.checked_in && this.data.joinable) await this.checkIn(presence)
        this.resumeVote()
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    async reload() {
      const view = await api(`/api/v1/m/${encodeURIComponent(this.data.code)}`)
      const meeting = view.meeting
      const poll = view.current_poll
      const prev = this.data.poll
      wx.setNavigationBarTitle({ title: meeting.title })
      this.setData({
        meeting, me: view.me, poll,
        joinable: meeting.status === 'published' || meeting.status === 'in_session',
        picked: prev && poll && prev.id === poll.id ? this.data.picked : {},
      })
      this.renderPoll()
      await this.loadOutcomes(meeting.outcomes || [])
      return view
    },
    renderPoll() {
      const poll = this.data.poll
      const voted = Boolean(poll && this.data.me.votes[String(poll.id)])
      if (voted) forgetBallot(poll.id)
      const pending = Boolean(poll && pendingBallot(poll.id))
      this.setData({
        voted,
        canVote: Boolean(poll && poll.status === 'open' && this.data.me.checked_in && !voted && !pending),
        votePending: pending && !voted,
      })
    },
    async loadOutcomes(list) {
      const known = {}
      for (const o of this.data.outcomes) known[o.id] = o
      const rateable = this.data.me.checked_in
      const outcomes = await Promise.all(list.map(async (o) => {
        const old = known[o.id] || {}
        let mine = old.mine || {}
        if (rateable && !old.changing) {
          try {
            mine = await api(`/api/v1/evaluation/outcomes/${o.id}/rating`)
          } catch (e) { /* shown without a rating */ }
        }
        return Object.assign({}, o, { mine, until: dayTime(localText(mine.changeable_until)),
          changing: Boolean(old.changing), busy: false, error: '' })
      }))
      this.setData({ outcomes })
    },
    onScanCheckIn() {
      if (!this.data.meeting.presence_check) {
        this.checking = this.checkIn(null)
        return
      }
      wx.scanCode({
        onlyFromCamera: true,
        scanType: ['qrCode'],
        success: (res) => { this.checking = this.checkInWithScan(res) },
      })
    },
    async checkInWithScan(res) {
      const target = fromScan(res)
      const at = target.indexOf('?')
      const query = queryOf(at < 0 ? '' : target.slice(at + 1))
      if (!target.startsWith('/pages/meeting/') || query.code !== this.data.code || !query.p) {
        this.setData({ error: '这不是本次活动的签到码，请扫描会场大屏幕上的签到二维码' })
        return
      }
      await this.checkIn(query.p)
    },
    async checkIn(presence) {
      try {
        const res = await api(`/api/v1/m/${encodeURIComponent(this.data.code)}/checkin`, {
          method: 'POST', data: { presence } })
        this.setData({ 'me.checked_in': true, error: '', notice: res.message || '签到成功' })
        this.renderPoll()
        await this.loadOutcomes(this.data.meeting.outcomes || [])
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    onPick(e) {
      const id = Number(e.currentTarget.dataset.id)
      const max = this.data.poll.max_choices
      let picked = Object.assign({}, this.data.picked)
      if (picked[id]) delete picked[id]
      else {
        if (max === 1) picked = {}
        if (Object.keys(picked).length < max) picked[id] = true
      }
      this.setData({ picked })
    },
    onVote() {
      const choices = Object.keys(this.data.picked).map(Number)
      if (!choices.length) {
        this.setData({ error: '请先选择' })
        return undefined
      }
      this.voting = this.vote(choices)
      return this.voting
    },
    async vote(choices) {
      const pollId = this.data.poll.id
      this.setData({ voting: true, error: '', canVote: false, votePending: true })
      try {
        await castVote(pollId, choices)
        this.markVoted(pollId)
      } catch (err) {
        if (err.code === 'already_voted') this.markVoted(pollId)
        else this.setData({ error: errorText(err) })
      } finally {
        this.setData({ voting: false })
        this.renderPoll()
      }
      await this.reload().catch(() => {})
    },
    markVoted(pollId) {
      const votes = Object.assign({}, this.data.me.votes, { [String(pollId)]: true })
      this.setData({ me: Object.assign({}, this.data.me, { votes }) })
    },
    // A ballot left without an answer (the app closed, the network dropped) is sent again
    // with its own key, so it counts once.
    resumeVote() {
      const poll = this.data.poll
      const ballot = poll && pendingBallot(poll.id)
      if (ballot && poll.status === 'open' && !this.data.voted) this.voting = this.vote(ballot.choices)
    },
    onProposalInput(e) { this.setData({ proposal: e.detail.value }) },
    async onPropose() {
      const text = this.data.proposal.trim()
      if (!text) return
      try {
        await api(`/api/v1/m/${encodeURIComponent(this.data.code)}/proposals`, { method: 'POST', data: { text } })
        this.setData({ proposal: '', proposalDone: true, error: '' })
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    onChangeOutcome(e) {
      const index = this.data.outcomes.findIndex((o) => o.id === Number(e.currentTarget.dataset.id))
      this.setData({ [`outcomes[${index}].changing`]: true })
    },
    onRateOutcome(e) {
      this.rating = this.rateOutcome(Number(e.currentTarget.dataset.id), e.detail)
      return this.rating
    },
    async rateOutcome(id, { rating, comment }) {
      const index = this.data.outcomes.findIndex((o) => o.id === id)
      this.setData({ [`outcomes[${index}].busy`]: true, [`outcomes[${index}].error`]: '' })
      try {
        const mine = await api(`/api/v1/evaluation/outcomes/${id}/rating`, {
          method: 'PUT', data: { rating, comment: comment || null } })
        this.setData({ [`outcomes[${index}].mine`]: mine, [`outcomes[${index}].changing`]: false,
          [`outcomes[${index}].until`]: dayTime(localText(mine.changeable_until)) })
      } catch (err) {
        this.setData({ [`outcomes[${index}].error`]: errorText(err) })
      } finally {
        this.setData({ [`outcomes[${index}].busy`]: false })
      }
    },
  },
})
