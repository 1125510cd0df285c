// The resident's messages (/api/v1/notifications/mine): progress of reports, new meetings.
const { api } = require('../../utils/api')
const { errorText, localText } = require('../../utils/format')
const { largeText } = require('../../utils/large')

Component({
  behaviors: [largeText],
  data: { items: [], loaded: false, error: '' },
  methods: {
    onLoad() { this.ready = this.load(); return this.ready },
    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },
    async load() {
      try {
        const items = await api('/api/v1/notifications/mine')
        this.setData({ loaded: true, error: '',
          items: items.map((n) => Object.assign({}, n, { when: localText(n.created_at) })) })
      } catch (err) {
        this.setData({ error: errorText(err) })
      }
    },
    async onOpen(e) {
      const id = Number(e.currentTarget.dataset.id)
      const index = this.data.items.findIndex((n) => n.id === id)
      const item = this.data.items[index]
      if (!item.read_at) {
        try {
          await api(`/api/v1/notifications/${id}/read`, { method: 'POST' })
          this.setData({ [`items[${index}].read_at`]: new Date().toISOString() })
        } catch (e2) { /* reading it still works */ }
      }
      const meeting = /^\/m\/([^/?#]+)/.exec(item.link || '')
      if (meeting) wx.navigateTo({ url: `/pages/meeting/index?code=${meeting[1]}` })
      else if (item.opinion_id) wx.navigateTo({ url: '/pages/mine/index' })
    },
  },
})
