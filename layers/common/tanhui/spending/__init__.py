"""Spending coins: offers, redemptions, vouchers and the refund of expired vouchers."""
