"""JSON through the C accelerator `_json` alone.

`import json` loads `re` and `enum` (about 8 ms without `site`), which
`state`, `list` and `kill` need nowhere else.  The C scanner and encoder
behind the json module do the same work without them.  Errors are handed to
the json module itself, imported then, so messages stay the standard ones.
"""

import _json

_WS = " \t\n\r"


class _Context:
    # what _json.make_scanner reads from json.JSONDecoder
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo = None

    @staticmethod
    def parse_constant(name):
        return {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


_scan = _json.make_scanner(_Context())


def loads(data):
    if isinstance(data, (bytes, bytearray)):
        data = data.decode("utf-8")
    start = len(data) - len(data.lstrip(_WS))
    try:
        value, end = _scan(data, start)
    except (StopIteration, ValueError):
        import json
        return json.loads(data)  # raises the standard JSONDecodeError
    if data[end:].strip(_WS):
        import json
        return json.loads(data)
    return value


def _unserializable(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# (markers, default, encoder, indent, key_sep, item_sep, sort_keys, skipkeys, allow_nan)
_COMPACT = _json.make_encoder(None, _unserializable, _json.encode_basestring_ascii,
                              None, ":", ",", False, False, True)


def dumps(value, indent=None):
    """Compact JSON, or indented as json.dumps(value, indent=N) writes it."""
    if indent is None:
        return "".join(_COMPACT(value, 0))
    return _pretty(value, indent, 0)


def _pretty(value, indent, level):
    # the C encoder does not indent; nested containers are few and small here
    if isinstance(value, dict) and value:
        pad, inner = " " * (indent * level), " " * (indent * (level + 1))
        items = (f"{inner}{_json.encode_basestring_ascii(str(k))}: {_pretty(v, indent, level + 1)}"
                 for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)) and value:
        pad, inner = " " * (indent * level), " " * (indent * (level + 1))
        items = (inner + _pretty(v, indent, level + 1) for v in value)
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return "".join(_COMPACT(value, 0))
