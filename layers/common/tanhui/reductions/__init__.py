"""Reductions counted from the table's stream: totals, users' stats, boards and medals.

`aggregator.apply` takes a batch of stream records (AggregatorFunction), turns each into deltas
(`deltas`) and writes them in transactions: the totals ADDed (`totals`), each credited user's
stats item read and put back on its version with its lifetime numbers (`lifetime`), board entries
(`boards`) and new medals (`medals`), and the record noted on it as applied. `totals.query`,
`leaderboard.leaderboard` and `medals.my_medals` answer the routes.
"""
