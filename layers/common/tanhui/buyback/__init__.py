"""Government buyback (政府回购): rounds, offers, payout files."""
