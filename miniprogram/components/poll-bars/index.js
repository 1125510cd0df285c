// A poll's result as bars: each option's votes and share.
Component({
  properties: {
    options: { type: Array, value: [] },
    counts: { type: Object, value: null },
  },
  data: { rows: [], ballots: null },
  observers: {
    'options, counts'(options, counts) {
      const list = options || []
      const total = counts ? list.reduce((sum, o) => sum + (counts[String(o.id)] || 0), 0) : 0
      this.setData({
        rows: list.map((o) => {
          const n = counts ? counts[String(o.id)] || 0 : 0
          return { id: o.id, label: o.label, count: n, pct: total ? Math.round((n / total) * 100) : 0 }
        }),
        ballots: counts ? total : null,
      })
    },
  },
})
