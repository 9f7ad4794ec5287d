"""Beats out of a story's JSON while it is still being written.

The provider streams one JSON object (story.STORY_SCHEMA). As soon as an object of its
`beats` array is closed, that beat can be shown: BeatScanner finds each complete one without
waiting for the rest of the document (the whole answer is still validated by story_parse).
"""

import json
import re

BEATS_KEY = re.compile(r'"beats"\s*:\s*\[')


def _object_end(text: str, start: int) -> int | None:
    """The index after the `}` closing the object opened at `start`; None while it is open."""
    depth = 0
    in_string = False
    escaped = False
    for position in range(start, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return position + 1
    return None


class BeatScanner:
    """Feed it the text as it arrives; it answers the beats completed by each piece."""

    def __init__(self):
        self.text = ""
        self.position: int | None = None  # just after the last complete beat (or the `[`)
        self.count = 0
        self.closed = False

    def feed(self, piece: str) -> list[dict]:
        self.text += piece
        if self.closed:
            return []
        if self.position is None:
            match = BEATS_KEY.search(self.text)
            if match is None:
                return []
            self.position = match.end()
        beats = []
        while True:
            rest = self.text[self.position :]
            stripped = rest.lstrip(" \t\r\n,")
            if not stripped:
                break
            if stripped[0] != "{":  # `]`, or something this scanner does not read: the array is done
                self.closed = True
                break
            start = len(self.text) - len(stripped)
            end = _object_end(self.text, start)
            if end is None:
                break
            self.position = end
            try:
                beat = json.loads(self.text[start:end])
            except ValueError:
                continue
            if (
                isinstance(beat, dict)
                and isinstance(beat.get("title"), str)
                and isinstance(beat.get("description"), str)
            ):
                self.count += 1
                beats.append(
                    {"index": self.count, "title": beat["title"][:200], "description": beat["description"][:2000]}
                )
        return beats
