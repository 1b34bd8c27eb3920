"""Wallets: balances, the ledger behind them, and debits that never go below zero."""
