// Vant's own words (its dialogs' buttons, loading texts, ...) follow the app's language. Chinese is
// Vant's default; its English table is fetched only when a tourist chooses English.
import { watch } from 'vue'
import { Locale } from 'vant/es/locale'
import { locale } from './index'

watch(locale, async (lang) => {
  if (lang === 'en') {
    const { default: enUS } = await import('vant/es/locale/lang/en-US')
    if (locale.value === 'en') Locale.use('en-US', enUS)
  } else {
    Locale.use('zh-CN')
  }
}, { immediate: true })
