// The console's entry (/console/): Element Plus on demand, the shared API client, session and
// i18n table of the H5, and the console's own router and shell.
import { createApp } from 'vue'
import ConsoleApp from './ConsoleApp.vue'
import { router } from './router'
import { addMessages } from '../i18n'
import messages from './messages'
import 'element-plus/theme-chalk/base.css'
import './console.css'

addMessages(messages)

const app = createApp(ConsoleApp)
app.use(router)
router.isReady().finally(() => app.mount('#app'))
