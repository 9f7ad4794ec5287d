"""Input from outside, made storable in PostgreSQL. Text and jsonb hold neither NUL (U+0000)
nor a lone surrogate (U+D800-U+DFFF, what JSON escapes like "\\ud800" decode to), and jsonb
has no NaN or Infinity (Python's json reads them, and 1e999 as Infinity): each fails the
query, a 500 where the input should simply have been stored."""

import math
import re

REPLACEMENT = "\ufffd"
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def storable(value):
    """`value` with NUL and lone surrogates in its strings replaced by U+FFFD and non-finite
    numbers written as strings ("inf", "nan"), in dict keys and lists too, nested."""
    if isinstance(value, str):
        return _UNSTORABLE_TEXT.sub(REPLACEMENT, value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
