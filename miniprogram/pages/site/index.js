// A site's page: what the room answered, its meetings and outcomes, topics, follow.
const { api } = require('../../utils/api')
const { errorText } = require('../../utils/format')
const { largeText } = require('../../utils/large')
const { askConsent, recordConsent } = require('../../utils/subscribe')

const TOPIC_STATUS = { open: '征集中', picked: '已列入协商', closed: '已关闭' }

function pollSummary(poll) {
  const options = (poll.result && poll.result.options) || []
  return options.map((o) => `${o.label} ${o.total} 票`).join('，') || '结果整理中'
}

Component({
  behaviors: [largeText],
  data: {
    code: '', site: {}, stats: {}, recent: [], error: '',
    upcoming: [], past: [], following: false, followers: 0, followReady: false,
    followText: '关注本议事室，有协商活动时会通知您。', followBusy: false, followError: '',
    topics: [], topicTitle: '', topicError: '',
  },
  methods: {
    onLoad(options) {
      this.setData({ code: (options && options.code) || '' })
      this.ready = this.load()
      return this.ready
    },
    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },
    path(prefix) { return `${prefix}/${encodeURIComponent(this.data.code)}` },
    async load() {
      try {
        const data = await api(this.path('/api/v1/intake/sites') + '/overview')
        wx.setNavigationBarTitle({ title: data.site.name })
        this.setData({ site: data.site, stats: data.stats, recent: data.recent_answers, error:
          data.site.active ? '' : '该议事点已停用，请扫描新的二维码' })
      } catch (err) {
        this.setData({ error: errorText(err) })
        return
      }
      // Each part loads on its own: a failure leaves that part's empty text in place.
      await Promise.all([this.loadMeetings(), this.loadFollow(), this.loadTopics()])
    },
    async loadMeetings() {
      try {
        const list = await api(this.path('/api/v1/public/sites') + '/meetings')
        const upcoming = list.filter((m) => m.status === 'published' || m.status === 'in_session')
          .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1))
        const past = list.filter((m) => m.status === 'closed').map((m) => Object.assign({}, m, {
          polls: (m.polls || []).map((p) => ({ title: p.title, summary: pollSummary(p) })) }))
        this.setData({ upcoming, past })
      } catch (e) { /* the section keeps its empty text */ }
    },
    renderFollow(state) {
      this.setData({
        following: state.following, followers: state.followers, followReady: true,
        followText: state.following
          ? `您已关注，本议事室发布协商活动时会通知您。共 ${state.followers} 人关注。`
          : `关注本议事室，有协商活动时会通知您。已有 ${state.followers} 人关注。`,
      })
    },
    async loadFollow() {
      try {
        this.renderFollow(await api(this.path('/api/v1/sites') + '/follow'))
      } catch (e) { /* the button stays hidden */ }
    },
    async onFollow() {
      const on = !this.data.following
      // WeChat shows the subscribe dialog only from a tap: ask before anything else.
      const consent = on ? askConsent('follow') : Promise.resolve(null)
      this.setData({ followBusy: true, followError: '' })
      try {
        const results = await consent
        this.renderFollow(await api(this.path('/api/v1/sites') + '/follow', { method: on ? 'PUT' : 'DELETE' }))
        this.subscriptions = await recordConsent(results)
      } catch (err) {
        this.setData({ followError: errorText(err) })
      } finally {
        this.setData({ followBusy: false })
      }
    },
    async loadTopics() {
      try {
        const topics = await api(this.path('/api/v1/public/sites') + '/topics')
        this.setData({ topics: topics.map((t) => Object.assign({}, t, {
          status_name: TOPIC_STATUS[t.status] || t.status, supported: false })) })
      } catch (e) { /* the section keeps its empty text */ }
    },
    onTopicInput(e) { this.setData({ topicTitle: e.detail.value }) },
    async onSubmitTopic() {
      const title = this.data.topicTitle.trim()
      if (title.length < 2) {
        this.setData({ topicError: '请写下您想商量的事（至少两个字）' })
        return
      }
      try {
        await api(this.path('/api/v1/sites') + '/topics', { method: 'POST', data: { title, detail: '' } })
        this.setData({ topicTitle: '', topicError: '' })
        await this.loadTopics()
      } catch (err) {
        this.setData({ topicError: errorText(err) })
      }
    },
    async onSupportTopic(e) {
      const id = Number(e.currentTarget.dataset.id)
      const index = this.data.topics.findIndex((t) => t.id === id)
      try {
        const res = await api(`/api/v1/meeting-topics/${id}/support`, { method: 'POST' })
        this.setData({ [`topics[${index}].supporters`]: res.supporters, [`topics[${index}].supported`]: true })
      } catch (err) {
        if (err.code === 'already_supported') this.setData({ [`topics[${index}].supported`]: true })
        else this.setData({ topicError: errorText(err) })
      }
    },
    openReport() { wx.navigateTo({ url: `/pages/report/index?code=${encodeURIComponent(this.data.code)}` }) },
    openMine() { wx.navigateTo({ url: '/pages/mine/index' }) },
    openMessages() { wx.navigateTo({ url: '/pages/messages/index' }) },
    openMeeting(e) {
      wx.navigateTo({ url: `/pages/meeting/index?code=${encodeURIComponent(e.currentTarget.dataset.code)}` })
    },
  },
})
