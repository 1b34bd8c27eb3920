"""An `Add`: what the totals ask of one item, and how many of them become one update.

Numbers are ADDed (summed when two deltas of a batch hit the same item), `keep` attributes set
only where the item has none yet (`if_not_exists`: the keys of the partner's gsi1 view), so every
update is commutative and a batch's order does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str]


@dataclass
class Add:
    pk: str
    sk: str
    numbers: dict[str, int] = field(default_factory=dict)
    keep: dict[str, str | int] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return self.pk, self.sk

    def merge(self, other: Add) -> None:
        for name, n in other.numbers.items():
            self.numbers[name] = self.numbers.get(name, 0) + n
        for name, value in other.keep.items():
            self.keep.setdefault(name, value)

    def changes_nothing(self) -> bool:
        return not any(self.numbers.values())


def merged(adds: Iterable[Add]) -> dict[Key, Add]:
    """One Add per item, in first-seen order; items the deltas cancel out on are left out."""
    out: dict[Key, Add] = {}
    for add in adds:
        if add.key in out:
            out[add.key].merge(add)
        else:
            out[add.key] = Add(add.pk, add.sk, dict(add.numbers), dict(add.keep))
    return {k: a for k, a in out.items() if not a.changes_nothing()}


def update_kwargs(table_name: str, add: Add) -> dict[str, Any]:
    """The TransactWriteItems `Update` of one Add (low-level attribute values)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds, sets = [], []
    for i, (name, n) in enumerate(sorted(add.numbers.items())):
        names[f"#n{i}"], values[f":n{i}"] = name, {"N": str(n)}
        adds.append(f"#n{i} :n{i}")
    for i, (name, value) in enumerate(sorted(add.keep.items())):
        names[f"#k{i}"] = name
        values[f":k{i}"] = {"N": str(value)} if isinstance(value, int) else {"S": value}
        sets.append(f"#k{i} = if_not_exists(#k{i}, :k{i})")
    expression = " ".join(
        part for part in (adds and "ADD " + ", ".join(adds), sets and "SET " + ", ".join(sets)) if part
    )
    return {
        "TableName": table_name,
        "Key": {"pk": {"S": add.pk}, "sk": {"S": add.sk}},
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
