"""Donations (公益捐赠): operators open public-good projects, tourists give coins to them."""
