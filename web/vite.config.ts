import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

const here = dirname(fileURLToPath(import.meta.url))

/** Vant's icon CSS embeds its font as a data: URL (our CSP's font-src is 'self') with a CDN
 * fallback (nothing from a CDN): serve the same font as a hashed file of our own instead. */
function vantIconFontFromSelf(): Plugin {
  const font = resolve(here, 'node_modules/.tanhui/vant-icon.woff2')
  return {
    name: 'tanhui:vant-icon-font',
    enforce: 'pre',
    transform(code, id) {
      if (!/vant\/(es|lib)\/icon\/index\.css$/.test(id.split('?')[0])) return null
      const face = /src:url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\) format\("woff2"\)[^;}]*/
      const m = face.exec(code)
      if (!m) this.error('Vant icon CSS changed: its embedded font was not found')
      mkdirSync(dirname(font), { recursive: true })
      writeFileSync(font, Buffer.from(m[1], 'base64'))
      const rel = relative(dirname(id.split('?')[0]), font).split('\\').join('/')
      return { code: code.replace(face, `src:url("${rel}") format("woff2")`), map: null }
    },
  }
}

// Same origin in production (the gateway or CloudFront serve API and app together);
// the dev server forwards the API's paths to a local `make run`.
const api = process.env.TANHUI_API ?? 'http://127.0.0.1:3000'
const proxied = ['/v1', '/Q', '/01', '/openapi.json', '/.well-known']

export default defineConfig({
  base: '/',
  plugins: [
    vantIconFontFromSelf(),
    vue(),
    // Vant (the H5) and Element Plus (the console) components imported on demand, each with its
    // own CSS: a page carries only the kit of its area.
    Components({ resolvers: [VantResolver(), ElementPlusResolver({ importStyle: 'css' })], dts: 'src/components.d.ts' }),
  ],
  build: {
    target: 'es2017',
    cssTarget: 'chrome61',
    assetsInlineLimit: 0, // no data: URLs for scripts; images stay files
    modulePreload: { polyfill: false },
    rollupOptions: {
      // two entries, one toolchain: the tourists' H5 at / and the console at /console/
      input: { h5: resolve(here, 'index.html'), console: resolve(here, 'console/index.html') },
    },
  },
  server: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
  preview: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
})
