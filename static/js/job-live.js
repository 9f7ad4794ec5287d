// The studio's image and video jobs (and a beat's rewrite), live: each running job's progress bar follows its
// Server-Sent Events (/api/ai/jobs/{id}/events); when a job ends, the jobs panel is fetched
// again (htmx, the `job-ended` trigger), and the page reloads once none is running, so the
// new image or video appears. Without EventSource, or when a stream keeps failing, the panel
// polls every second instead (its hx-trigger's condition reads window.modoJobsPolling).
(function () {
  "use strict";
  var sources = {};

  function panel() {
    return document.getElementById("jobs");
  }

  function ended(id) {
    if (sources[id]) sources[id].close();
    delete sources[id];
    if (window.htmx && panel()) window.htmx.trigger(panel(), "job-ended");
  }

  function follow(item) {
    var id = item.id;
    if (sources[id]) return;
    var source = new EventSource(item.dataset.eventsUrl);
    var failures = 0;
    sources[id] = source;
    source.addEventListener("progress", function (event) {
      failures = 0;
      var percent = JSON.parse(event.data).progress;
      var current = document.getElementById(id); // the panel may have been swapped meanwhile
      if (!current) return;
      var bar = current.querySelector("progress");
      var label = current.querySelector("[data-job-progress]");
      if (bar) bar.value = percent;
      if (label) label.textContent = percent + "%";
    });
    source.addEventListener("done", function () { ended(id); });
    source.addEventListener("failed", function () { ended(id); });
    source.onerror = function () {
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures > 3) {
        source.close();
        delete sources[id];
        window.modoJobsPolling = true; // the panel's polling takes over
      }
    };
  }

  function bind() {
    var root = panel();
    if (!root || !window.EventSource) return;
    root.querySelectorAll("li.job[data-events-url]").forEach(follow);
  }

  document.addEventListener("DOMContentLoaded", bind);
  document.addEventListener("htmx:load", bind); // a swapped panel: follow its new jobs
})();
