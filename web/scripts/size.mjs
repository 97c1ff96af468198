// Prints what the first load of the app costs: the JS and CSS that index.html loads (entry,
// module preloads, stylesheets), gzip-compressed as the server sends them, and the lazy chunks
// that pages fetch later. Run after `vite build` (make ui-size).
import { readFileSync, readdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const dist = new URL('../dist/', import.meta.url)
const html = readFileSync(new URL('index.html', dist), 'utf8')
const first = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]))
const gz = (name) => gzipSync(readFileSync(new URL(name, dist)), { level: 9 }).length
const kb = (n) => (n / 1024).toFixed(1) + ' KB'

let firstRaw = 0
let firstGz = 0
for (const name of first) {
  const raw = readFileSync(new URL(name, dist)).length
  const z = gz(name)
  firstRaw += raw
  firstGz += z
  console.log(`first load  ${name.padEnd(48)} ${kb(raw).padStart(10)}  gzip ${kb(z).padStart(9)}`)
}
const lazy = readdirSync(new URL('assets/', dist))
  .map((f) => 'assets/' + f)
  .filter((f) => /\.(js|css)$/.test(f) && !first.has(f))
  .map((f) => [f, gz(f)])
  .sort((a, b) => b[1] - a[1])
const lazyGz = lazy.reduce((a, [, z]) => a + z, 0)
console.log(`\nfirst load: ${first.size} files, ${kb(firstRaw)} raw, ${kb(firstGz)} gzip (limit 1536 KB)`)
console.log(`lazy chunks: ${lazy.length} files, ${kb(lazyGz)} gzip; largest ${lazy[0]?.[0]} ${kb(lazy[0]?.[1] ?? 0)}`)
if (firstGz > 1536 * 1024) {
  console.error('first load over 1.5 MB compressed')
  process.exit(1)
}
