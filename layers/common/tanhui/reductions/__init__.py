"""Reductions counted from the table's stream: totals, users' period and lifetime items.

`aggregator.apply` takes a batch of stream records (AggregatorFunction), turns each into deltas
(`deltas`), asks every contributor (`aggregator.CONTRIBUTORS`: `totals`, `ranks`, `lifetime`) for
the ADD updates a delta makes and writes them, with one marker per record, in transactions.
`totals.query` answers the totals routes.
"""
