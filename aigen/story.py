"""The story output schema and its validation (the provider's answer is never trusted)."""

import json

MIN_BEATS = 5
MAX_BEATS = 12

STORY_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "logline": {"type": "string"},
        "genre": {"type": "string"},
        "characters": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
                "required": ["name", "description"],
                "additionalProperties": False,
            },
        },
        "beats": {
            "type": "array",
            "minItems": MIN_BEATS,
            "maxItems": MAX_BEATS,
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                },
                "required": ["index", "title", "description"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["title", "logline", "genre", "characters", "beats"],
    "additionalProperties": False,
}


class InvalidStory(ValueError):
    """The provider's answer is not a story of the schema; the message says what is wrong."""


def _text(value, where: str, *, limit: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidStory(f"{where} must be a non-empty string")
    return value.strip()[:limit]


def story_parse(raw: str) -> dict:
    """The story in `raw` (JSON, possibly in a ``` fence), normalised; or InvalidStory."""
    text = (raw or "").strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{") :] if "{" in text else text
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError) as error:
        raise InvalidStory(f"not JSON ({error.msg if hasattr(error, 'msg') else error})") from None
    if not isinstance(data, dict):
        raise InvalidStory("not a JSON object")
    characters = data.get("characters")
    beats = data.get("beats")
    if not isinstance(characters, list):
        raise InvalidStory("characters must be a list")
    if not isinstance(beats, list) or not MIN_BEATS <= len(beats) <= MAX_BEATS:
        raise InvalidStory(f"beats must be a list of {MIN_BEATS} to {MAX_BEATS} items")
    story = {
        "title": _text(data.get("title"), "title", limit=200),
        "logline": _text(data.get("logline"), "logline", limit=500),
        "genre": _text(data.get("genre"), "genre", limit=60),
        "characters": [],
        "beats": [],
    }
    for number, character in enumerate(characters, start=1):
        if not isinstance(character, dict):
            raise InvalidStory(f"character {number} must be an object")
        story["characters"].append(
            {
                "name": _text(character.get("name"), f"character {number} name", limit=120),
                "description": _text(character.get("description"), f"character {number} description"),
            }
        )
    for number, beat in enumerate(beats, start=1):
        if not isinstance(beat, dict):
            raise InvalidStory(f"beat {number} must be an object")
        story["beats"].append(
            {
                "index": number,
                "title": _text(beat.get("title"), f"beat {number} title", limit=200),
                "description": _text(beat.get("description"), f"beat {number} description"),
            }
        )
    return story
