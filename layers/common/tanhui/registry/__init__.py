"""The registry of verified reductions: issuance, accounts, serial ranges, transfers, retirements,
individuals' offsets, the public registry and the retirement certificate."""
