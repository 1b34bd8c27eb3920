"""Certificates of a tourist's reductions over a year or month: summed from their own ledger,
stored once under an id derived from their content, printed as one PDF page with a QR of the
public check (`GET /v1/certificates/{id}`)."""
