"""Verifiable exports of the ledger for carbon trading: files, manifests, the hash chain, audits."""
