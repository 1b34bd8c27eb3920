// Medal names in words. The API lists the medals a tourist holds (name, a Chinese title, an
// English description); the ones not yet earned are not in it, so the page keeps the catalogue of
// names (tanhui.reductions.medals.RULES) to show what is still to earn. Words come from the name
// itself: scene_<behaviour>, kg_<n>, streak_<n>.
// TODO(backend): GET /v1/me/medals could list the whole catalogue (unearned with awarded_at null);
// this list then goes.
import { locale, t } from '../../../i18n'

const SCENES = [
  'ticket_non_disposable', 'eco_vehicle_ride', 'hotel_low_carbon_night', 'low_carbon_product',
  'plant_adoption', 'product_sale_record', 'transit_trip', 'utility_saving', 'car_free_day', 'waste_sorting',
]

export const CATALOGUE: string[] = [
  'first_scan', ...SCENES.map((s) => `scene_${s}`), 'kg_1', 'kg_10', 'kg_100', 'streak_7',
]

function sceneName(behaviour: string): string {
  const key = `scene.${behaviour}`
  const name = t(key)
  return name === key ? behaviour.replace(/_/g, ' ') : name
}

/** [title, how it is earned] of a medal, in the current language. `fallback` is what the API said. */
export function medalWords(name: string, fallback?: { title: string; description: string }): [string, string] {
  let words: [string, string] | null = null
  let m: RegExpMatchArray | null
  if (name === 'first_scan') words = [t('medal.first_scan'), t('medal.first_scan.how')]
  else if ((m = name.match(/^scene_(.+)$/))) {
    const scene = sceneName(m[1])
    words = [t('medal.scene', { scene }), t('medal.scene.how', { scene })]
  } else if ((m = name.match(/^kg_([0-9]+)$/))) words = [t('medal.kg', { n: m[1] }), t('medal.kg.how', { n: m[1] })]
  else if ((m = name.match(/^streak_([0-9]+)$/))) words = [t('medal.streak', { n: m[1] }), t('medal.streak.how', { n: m[1] })]
  if (fallback && locale.value === 'zh' && fallback.title) words = [fallback.title, words ? words[1] : fallback.description]
  return words ?? [fallback?.title || name, fallback?.description || '']
}

export function medalIcon(name: string): string {
  if (name === 'first_scan') return '◎'
  if (name.startsWith('scene_')) return '✿'
  if (name.startsWith('kg_')) return '❖'
  if (name.startsWith('streak_')) return '✦'
  return '★'
}
