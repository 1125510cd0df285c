// The 大字 / 标准字 switch: keeps the choice in storage and tells the page.
const { isLarge, setLarge } = require('../../utils/large')

Component({
  data: { large: false },
  lifetimes: {
    attached() { this.setData({ large: isLarge() }) },
  },
  methods: {
    onTap() {
      const large = !this.data.large
      setLarge(large)
      this.setData({ large })
      this.triggerEvent('change', { large })
    },
  },
})
