import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { reportOutage } from './h5/outage'
import { ApiError } from './api/errors'
import './h5/codeData' // reads the code page's embedded JSON for the path served
import './styles/main.css'
import './styles/ssr.css'

const app = createApp(App)
app.use(router)
app.config.errorHandler = (err) => {
  // anything a page did not catch: an outage page with "重试", never a blank one
  console.error(err)
  reportOutage(err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)))
}
router.isReady().finally(() => app.mount('#app'))
