// Messages of the spending pages (offers, vouchers, projects, leaderboard, medals, certificate).
// Owned by the web-spend helper; keys prefixed by their page (offers.*, vouchers.*, ...).
export default {
  zh: {} as Record<string, string>,
  en: {} as Record<string, string>,
}
