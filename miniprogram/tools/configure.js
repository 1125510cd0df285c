// Copy config.js's appid into project.config.json (WeChat's tools read the appid there).
// Run: npm run configure (after editing config.js).
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const config = require(path.join(root, 'config.js'))
const file = path.join(root, 'project.config.json')
const project = JSON.parse(fs.readFileSync(file, 'utf8'))
if (!/^(wx[0-9a-f]{16}|touristappid)$/.test(config.appid)) {
  console.error(`config.js: appid ${JSON.stringify(config.appid)} 不是小程序 AppID（wx 加 16 位十六进制）`)
  process.exit(1)
}
project.appid = config.appid
fs.writeFileSync(file, JSON.stringify(project, null, 2) + '\n')
console.log(`project.config.json: appid = ${config.appid}`)
