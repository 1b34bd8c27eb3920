"""Signed QR codes: token format, signing keys, rendering, assets and print batches."""
