"""The embedded default under concurrent requests: SQLite (WAL, IMMEDIATE transactions, a busy
timeout) behind a real multi-threaded, multi-process web server answers no 5xx when trial users
ask for stories at once, or one user double-clicks."""

import threading

import httpx

from .embedded import embedded_env, free_port, manage, web_server_start, web_server_stop

USERS = 10
PASSWORD = "x-pass-12345-embedded"
SIGN_UP = f"""
from accounts.services import user_create
for n in range({USERS}):
    user_create(email=f"trial{{n}}@modo.local", password="{PASSWORD}")
"""


def _at_once(calls) -> list:
    """Run each call on its own thread, released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            answers[index] = call()
        except httpx.HTTPError as error:  # a dropped connection is a failure too
            answers[index] = error

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


def _statuses(answers) -> list:
    return [answer.status_code if isinstance(answer, httpx.Response) else repr(answer) for answer in answers]


def test_ten_trial_story_requests_at_once_on_sqlite_answer_no_5xx(tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", SIGN_UP)
    port = free_port()
    server = web_server_start(env, port=port, log=tmp_path / "web.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            tokens = []
            for n in range(USERS):
                login = client.post(
                    "/api/auth/app/v1/auth/login", json={"email": f"trial{n}@modo.local", "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
                tokens.append(login.json()["meta"]["session_token"])

            def story(token, premise):
                return lambda: client.post(
                    "/api/ai/generate-story",
                    json={"premise": premise, "quality": "fast"},
                    headers={"X-Session-Token": token},
                )

            stories = _at_once([story(token, f"A lighthouse keeper number {n}") for n, token in enumerate(tokens)])
            me = _at_once([lambda t=token: client.get("/api/me", headers={"X-Session-Token": t}) for token in tokens])
            double_click = _at_once([story(tokens[0], "The same click twice") for _ in range(2)])
    finally:
        web_server_stop(server)

    assert _statuses(stories) == [200] * USERS, (tmp_path / "web.log").read_text()[-3000:]
    assert _statuses(me) == [200] * USERS
    assert all(isinstance(a, httpx.Response) and a.status_code < 500 for a in double_click), _statuses(double_click)
    assert {a.json()["data"]["title"] != "" for a in stories} == {True}
