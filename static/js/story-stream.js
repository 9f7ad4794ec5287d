// The studio's story as it is written: each beat appears as soon as the model completes it.
// Server-Sent Events from /api/ai/jobs/{id}/events (the browser resumes with Last-Event-ID after
// a dropped connection); polling /api/ai/jobs/{id} when EventSource is missing or keeps failing.
// When the job ends the page reloads to show the saved story.
(function () {
  "use strict";
  var root = document.getElementById("live-story");
  if (!root) return;
  var list = root.querySelector("[data-live-beats]");
  var status = root.querySelector("[data-live-status]");
  var shown = 0;
  var ended = false;

  function showBeat(beat) {
    if (beat.index <= shown) return;
    shown = beat.index;
    var item = document.createElement("li");
    item.className = "card beat live-beat";
    var title = document.createElement("h3");
    title.textContent = beat.index + ". " + beat.title;
    var text = document.createElement("p");
    text.textContent = beat.description;
    item.appendChild(title);
    item.appendChild(text);
    list.appendChild(item);
  }

  function reset() {
    list.textContent = "";
    shown = 0;
  }

  function finish(succeeded) {
    if (ended) return;
    ended = true;
    status.textContent = succeeded ? root.dataset.doneText : root.dataset.failedText;
    window.setTimeout(function () { window.location.reload(); }, succeeded ? 800 : 2500);
  }

  function poll() {
    fetch(root.dataset.jobUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.partial) {
          if (job.partial.beats.length < shown) reset();
          job.partial.beats.forEach(showBeat);
        }
        if (job.status === "succeeded") finish(true);
        else if (job.status === "failed") finish(false);
        else window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }

  if (!window.EventSource) {
    poll();
    return;
  }
  var source = new EventSource(root.dataset.eventsUrl);
  var failures = 0;
  source.addEventListener("beat", function (event) {
    failures = 0;
    showBeat(JSON.parse(event.data));
  });
  source.addEventListener("reset", reset);
  source.addEventListener("done", function () { source.close(); finish(true); });
  source.addEventListener("failed", function () { source.close(); finish(false); });
  source.onerror = function () {
    failures += 1;
    // Closed for good (an error answer), or failing again and again: poll instead.
    if ((source.readyState === EventSource.CLOSED || failures > 3) && !ended) {
      source.close();
      poll();
    }
  };
})();
