"""moto's UpdateItem, answered directly for the update expressions that need no interpreter.

moto parses every update expression into a syntax tree, deep-copies and validates it against the
item, then walks it — about 4 ms an item, the local stack's largest cost per write (the stream
aggregator's batches of hundreds of ADDs, a claim's wallet). DynamoDB's own cost does not depend on
the expression. Here an update whose actions are all of the plain shapes

    ADD #a :v                       numbers summed, string/number/binary sets united
    SET #a = :v | #b | if_not_exists(#b, :v)   optionally followed by  + :w  or  - :w
    REMOVE #a

(every name and value a placeholder, top-level attributes only, each clause once) is applied to
the item as DynamoDB applies it: conditions first (moto's own condition parser), every operand read
from the item as it was, one stream record (an upsert is a single INSERT, as on AWS; moto adds a
key-only INSERT and then a second INSERT). Anything else — another shape, a missing or unused
placeholder, a key attribute, a type DynamoDB would refuse, an oversized item — is left to moto's
own path, which answers it (and its errors) as before. `tests/unit/test_moto_updates.py` runs the
same updates through both paths and compares items, stream records and errors.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_CLAUSE = re.compile(r"(?<![#:\w])(SET|ADD|REMOVE|DELETE)(?![\w])", re.IGNORECASE)
_NAME, _VALUE = r"#[A-Za-z0-9_]+", r":[A-Za-z0-9_]+"
_ADD = re.compile(rf"^({_NAME})\s+({_VALUE})$")
_REMOVE = re.compile(rf"^({_NAME})$")
_SET = re.compile(
    rf"^({_NAME})\s*=\s*(?:({_VALUE})|({_NAME})|if_not_exists\(\s*({_NAME})\s*,\s*({_VALUE})\s*\))"
    rf"(?:\s*([+-])\s*({_VALUE}))?$"
)
_PLACEHOLDERS = re.compile(rf"{_NAME}|{_VALUE}")
_SETS = frozenset({"SS", "NS", "BS"})
MAX_ITEM_BYTES = 405_000  # moto's limit (DynamoDB's 400 KB, as moto measures it)

# (kind, target, a, b, c, op, d): ("add", #a, :v) | ("remove", #a) |
# ("set", #a, value, name, (if_not_exists name, value), op, operand)
Action = tuple[Any, ...]


@lru_cache(maxsize=4096)
def plan(expression: str) -> tuple[Action, ...] | None:
    """The actions of an update expression of the plain shapes, or None (moto's path answers)."""
    parts = _CLAUSE.split(expression)
    if parts[0].strip() or len(parts) < 3:
        return None
    actions: list[Action] = []
    seen: set[str] = set()
    for keyword, body in zip(parts[1::2], parts[2::2], strict=True):
        keyword = keyword.upper()
        if keyword in seen or keyword == "DELETE":
            return None
        seen.add(keyword)
        for text in _split(body):
            action = _action(keyword, text.strip())
            if action is None:
                return None
            actions.append(action)
    return tuple(actions)


def _split(body: str) -> list[str]:
    """A clause's actions: split at the commas outside parentheses."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(body[start:i])
            start = i + 1
    out.append(body[start:])
    return out


def _action(keyword: str, text: str) -> Action | None:
    if keyword == "ADD":
        m = _ADD.match(text)
        return ("add", m[1], m[2]) if m else None
    if keyword == "REMOVE":
        m = _REMOVE.match(text)
        return ("remove", m[1]) if m else None
    m = _SET.match(text)
    if not m:
        return None
    return ("set", m[1], m[2], m[3], (m[4], m[5]) if m[4] else None, m[6], m[7])


class _Unplain(Exception):
    """The update is not one this path answers: moto's own path does (and raises what it raises)."""


def fast_update_item(original: Any) -> Any:
    """DynamoDBBackend.update_item, with the plain updates answered here."""
    from moto.dynamodb.comparisons import create_condition_expression_parser
    from moto.dynamodb.exceptions import ConditionalCheckFailed
    from moto.dynamodb.models.dynamo_type import DynamoType

    def update_item(self: Any, table_name: str, key: dict[str, Any], update_expression: str,
                    expression_attribute_names: dict[str, Any], expression_attribute_values: dict[str, Any],
                    attribute_updates: Any = None, expected: Any = None,
                    condition_expression: str | None = None,
                    return_values_on_condition_check_failure: str | None = None) -> Any:
        args = (self, table_name, key, update_expression, expression_attribute_names,
                expression_attribute_values, attribute_updates, expected, condition_expression,
                return_values_on_condition_check_failure)
        plain = update_expression and not attribute_updates and not expected
        actions = plan(update_expression) if plain else None
        if actions is None:
            return original(*args)
        try:
            table, hash_value, range_value, names, values = _resolve(
                self, table_name, key, update_expression, actions, expression_attribute_names or {},
                expression_attribute_values or {}, condition_expression, DynamoType)
        except _Unplain:
            return original(*args)
        item = table.get_item(hash_value, range_value)
        if condition_expression:
            condition = create_condition_expression_parser(
                condition_expression, expression_attribute_names, expression_attribute_values).parse()
            if not condition.expr(item):
                if return_values_on_condition_check_failure == "ALL_OLD" and item is not None:
                    raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
                raise ConditionalCheckFailed
        try:
            attrs = _applied(table, item, hash_value, range_value, actions, names, values)
        except _Unplain:
            return original(*args)
        new = _item(hash_value, range_value, attrs)
        if table.range_key_attr:
            table.items[hash_value][range_value] = new
        else:
            table.items[hash_value] = new
        if table.stream_shard is not None:
            table.stream_shard.add(item, new)  # `item` is left as it was: the old image
        return new

    return update_item


def _resolve(backend: Any, table_name: str, key: dict[str, Any], expression: str, actions: tuple[Action, ...],
             names: dict[str, str], values: dict[str, Any], condition: str | None,
             dynamo_type: Any) -> tuple[Any, Any, Any, dict[str, str], dict[str, Any]]:
    table = backend.get_table(table_name)
    key_names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    if set(key) != set(key_names):
        raise _Unplain
    hash_value = dynamo_type(key[table.hash_key_attr])
    range_value = dynamo_type(key[table.range_key_attr]) if table.range_key_attr else None
    if hash_value.type != table.hash_key_type or (
            range_value is not None and range_value.type != table.range_key_type):
        raise _Unplain
    used = set(_PLACEHOLDERS.findall(expression)) | set(_PLACEHOLDERS.findall(condition or ""))
    if used != {*names, *values}:  # missing or unused placeholders: DynamoDB's errors, moto's path
        raise _Unplain
    targets = [names[a[1]] for a in actions]
    if len(set(targets)) != len(targets) or set(targets) & set(key_names):
        raise _Unplain
    typed = {}
    for name, value in values.items():
        if not isinstance(value, dict) or len(value) != 1:
            raise _Unplain
        (kind, raw), = value.items()
        if kind not in {"S", "N", "B", "BOOL", "NULL", *_SETS} or (kind in _SETS and not raw):
            raise _Unplain  # maps, lists, empty sets: moto's path
        typed[name] = dynamo_type(value)
    return table, hash_value, range_value, names, typed


def _applied(table: Any, item: Any, hash_value: Any, range_value: Any, actions: tuple[Action, ...],
             names: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """The item's attributes after the actions (DynamoType values; the item is not changed)."""
    old = dict(item.attrs) if item is not None else {}
    attrs = dict(old) if item is not None else {table.hash_key_attr: hash_value}
    if item is None and table.range_key_attr:
        attrs[table.range_key_attr] = range_value
    for action in actions:
        target = names[action[1]]
        if action[0] == "remove":
            attrs.pop(target, None)
        elif action[0] == "add":
            attrs[target] = _add(old.get(target), values[action[2]])
        else:
            attrs[target] = _fresh(_set(old, action, names, values))
    types = {d["AttributeName"]: d["AttributeType"] for d in table.attr}
    for name in (names[a[1]] for a in actions):
        if name in types and name in attrs and (attrs[name].type != types[name] or attrs[name].value == ""):
            raise _Unplain  # an index key of the wrong type (or empty): DynamoDB refuses it
    if _size(attrs) > MAX_ITEM_BYTES:
        raise _Unplain
    return attrs


def _size(attrs: dict[str, Any]) -> int:
    """An item's size as moto measures it: names (UTF-8) and values (DynamoType)."""
    return sum(len(name.encode()) + value.size() for name, value in attrs.items())


def _limited(attrs: dict[str, Any]) -> Any:
    """moto's LimitedSizeDict of measured attributes, filled without measuring each again."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    out = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(out)
    dict.update(out, attrs)
    return out


def _add(current: Any, value: Any) -> Any:
    if value.type == "N":
        if current is None:
            return value
        if current.type != "N":
            raise _Unplain
        return current + value
    if value.type in _SETS:
        if current is not None and current.type != value.type:
            raise _Unplain
        members = list(dict.fromkeys([*(current.value if current is not None else ()), *value.value]))
        return type(value)({value.type: members})  # a new value: never the request's own list
    raise _Unplain


def _fresh(value: Any) -> Any:
    """A set's own copy (moto's path changes a stored set's list in place)."""
    return type(value)({value.type: list(value.value)}) if value.type in _SETS else value


def _set(old: dict[str, Any], action: Action, names: dict[str, str], values: dict[str, Any]) -> Any:
    _, _, value, name, if_not_exists, op, operand = action
    if value is not None:
        result = values[value]
    elif name is not None:
        if names[name] not in old:
            raise _Unplain  # refers to an attribute the item lacks: DynamoDB's error
        result = old[names[name]]
    else:
        attribute, default = if_not_exists
        result = old.get(names[attribute], values[default])
    if op is None:
        return result
    other = values[operand]
    if result.type != "N" or other.type != "N":
        raise _Unplain
    return result + other if op == "+" else result - other


def _item(hash_value: Any, range_value: Any, attrs: dict[str, Any]) -> Any:
    """A moto Item of these DynamoType attributes (their size was checked)."""
    from moto.dynamodb.models.dynamo_type import Item

    new = Item.__new__(Item)
    new.hash_key, new.range_key, new.attrs = hash_value, range_value, _limited(attrs)
    return new


def parse_each_expression_once() -> None:
    """moto parses every expression of a request at least twice: its request handler parses each
    update and condition expression of a transaction to check it and list the names it uses, then
    its write path parses them again. Here one parse of each is kept: the syntax tree of an update
    expression string (moto's validator works on a deep copy of it), and the condition tree of an
    (expression, names, values) triple with the names and values it found (evaluating a tree
    changes nothing in it)."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    make = UpdateExpressionParser.make
    if getattr(make, "cache_info", None):
        return
    UpdateExpressionParser.make = lru_cache(maxsize=4096)(make)  # type: ignore[method-assign]

    parse = ConditionExpressionParser.parse
    parsed: dict[tuple[str, str, str], tuple[Any, list[str], list[str]]] = {}

    def parse_once(self: Any) -> Any:
        if not self.condition_expression:
            return parse(self)
        # the handler's and the write path's parse of one request see the same dicts: their repr
        key = (self.condition_expression, repr(self.expression_attribute_names),
               repr(self.expression_attribute_values))
        if key not in parsed:
            op = parse(self)  # raises for an invalid one: nothing kept
            if len(parsed) >= 4096:
                parsed.clear()
            parsed[key] = (op, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            return op
        op, names, values = parsed[key]
        self.expr_attr_names_found.extend(names)
        self.expr_attr_values_found.extend(values)
        return op

    ConditionExpressionParser.parse = parse_once  # type: ignore[method-assign]


def size_items_once() -> None:
    """moto's Item re-measures every attribute it already holds as it adds each one (its
    LimitedSizeDict), so making an item costs the square of its attributes: here the item is
    measured once, against the same limit."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    if getattr(Item.__init__, "_tanhui", False):
        return

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        typed = {key: DynamoType(value) for key, value in attrs.items()}
        if _size(typed) > MAX_ITEM_BYTES:
            raise ItemSizeTooLarge
        self.attrs = _limited(typed)

    __init__._tanhui = True  # type: ignore[attr-defined]
    Item.__init__ = __init__  # type: ignore[method-assign]
