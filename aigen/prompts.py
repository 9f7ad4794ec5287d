"""Prompt templates, versioned in code. A new wording gets a new version: the version is part
of the response cache key and is stored on every job, so outputs stay traceable."""

STORY_TEMPLATE_VERSION = "story-v1"
IMAGE_TEMPLATE_VERSION = "image-v1"
VIDEO_TEMPLATE_VERSION = "video-v1"

STORY_SYSTEM = (
    "You are a story developer for short animated videos. Answer with one JSON object only, "
    "with the keys title, logline, genre, characters (a list of {name, description}) and beats "
    "(a list of 5 to 12 {index, title, description}, index counting from 1). Write in the "
    "language of the premise."
)

STORY_USER = "Premise:\n{premise}\n\nVariation: {variation}"

STORY_REPAIR = (
    "Your previous answer was not valid: {problem}. Answer again with the corrected JSON "
    "object only.\n\nPrevious answer:\n{previous}"
)

IMAGE_PROMPT = "{prompt}. Cinematic storyboard illustration, clear composition, no text."

VIDEO_PROMPT = "{prompt}. Gentle camera movement, cinematic animated short."


def story_prompt(*, premise: str, variation: int) -> str:
    return STORY_USER.format(premise=premise, variation=variation)


def story_repair_prompt(*, premise: str, variation: int, problem: str, previous: str) -> str:
    return (
        story_prompt(premise=premise, variation=variation)
        + "\n\n"
        + STORY_REPAIR.format(problem=problem, previous=previous[:4000])
    )


def image_prompt(*, prompt: str) -> str:
    return IMAGE_PROMPT.format(prompt=prompt)


def video_prompt(*, prompt: str) -> str:
    return VIDEO_PROMPT.format(prompt=prompt)
