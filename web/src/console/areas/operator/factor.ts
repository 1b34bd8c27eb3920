// A factor version in the operator's words: its reduction and caps in one line, and the fields a
// new version of it has (by its method), for the form and the diff of the old and the new.
import type { components } from '../../../api/schema'
import { num, t } from '../../../i18n'

export type Factor = components['schemas']['FactorOut']
export type FactorIn = components['schemas']['FactorIn']
export type Category = components['schemas']['CategoryFactor']

/** The numbers of a version's reduction, as a clerk reads them. */
export function reductionText(f: Factor): string {
  if (f.method === 'per_ride') {
    return t('operator.factors.per_km', { base: num(f.baseline_g_per_km ?? 0), eco: num(f.eco_g_per_km ?? 0) })
  }
  if (f.method === 'per_car_free_day') {
    return t('operator.factors.per_litre', { ml: num(f.fuel_ml_per_km ?? 0), g: num(f.gco2e_per_litre ?? 0) })
  }
  if (f.method === 'per_category') {
    return Object.entries(categoriesOf(f))
      .map(([cat, c]) => `${categoryName(cat)} ${num(c.gco2e_per_unit)} g/${c.unit}`)
      .join('；')
  }
  return `${num(f.gco2e_per_unit ?? 0)} g / ${f.unit}`
}

export function coinsText(f: Factor): string {
  if (f.method === 'per_category') {
    return Object.entries(categoriesOf(f))
      .map(([cat, c]) => `${categoryName(cat)} ${num(c.coins_per_unit)}`)
      .join('；')
  }
  return num(f.coins_per_unit)
}

export function capsText(f: Factor): string {
  const month = f.monthly_cap === null || f.monthly_cap === undefined ? t('operator.factors.no_month_cap') : num(f.monthly_cap)
  return `${num(f.daily_cap)} / ${month}`
}

export function categoriesOf(f: Factor): Record<string, Category> {
  return (f.categories ?? {}) as Record<string, Category>
}

export function categoryName(cat: string): string {
  const key = `operator.category.${cat}`
  const name = t(key)
  return name === key ? cat : name
}

/** The numeric fields (besides coins and caps) a version of this method carries. */
export function numberFields(f: Factor): (keyof FactorIn & keyof Factor)[] {
  switch (f.method) {
    case 'per_ride':
      return ['baseline_g_per_km', 'eco_g_per_km']
    case 'per_car_free_day':
      return ['fuel_ml_per_km', 'gco2e_per_litre']
    case 'per_category':
      return []
    default:
      return f.behaviour === 'transit_trip' || (f.baseline_units !== null && f.baseline_units !== undefined)
        ? ['gco2e_per_unit', 'baseline_units']
        : ['gco2e_per_unit']
  }
}
