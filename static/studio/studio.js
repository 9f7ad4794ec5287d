// The studio's page behaviour (progressive: every action also works as a plain form post).
// - Confirmation before deleting, regenerating, and any action costing 30 credits or more.
// - One charge per click: a form's buttons are disabled while it is being submitted.
// - Drag-to-reorder beats by their handle (pointer events: mouse and touch), or the arrow keys on
//   the handle, sent to the reorder API.
// - The film plays the beats' chosen videos one after another.
// - The "Undo" toast closes by itself after its seconds.
(function () {
  "use strict";

  function costOf(form) {
    var field = form.querySelector("input[name=quality]:checked, input[type=hidden][name=quality][data-cost]");
    if (field && field.dataset.cost) return parseInt(field.dataset.cost, 10);
    var select = form.querySelector("select[name=quality]");
    if (select) {
      var option = select.options[select.selectedIndex];
      if (option && option.dataset.cost) return parseInt(option.dataset.cost, 10);
    }
    return 0;
  }

  function confirmationText(form, dialog) {
    var parts = [];
    if (form.dataset.confirm) parts.push(form.dataset.confirm);
    if (form.hasAttribute("data-generate") && dialog) {
      var cost = costOf(form);
      var balanceNode = document.getElementById("studio-balance");
      var threshold = parseInt(dialog.dataset.costThreshold || "30", 10);
      if (cost >= threshold && balanceNode) {
        parts.push(dialog.dataset.costTemplate
          .replace("%(cost)s", String(cost))
          .replace("%(balance)s", balanceNode.dataset.balance));
      }
    }
    return parts.join(" ");
  }

  function lockWhileSubmitting(form) {
    // Disabled after the browser has read the form: the posted values stay complete.
    window.setTimeout(function () {
      form.querySelectorAll("button, input[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }, 0);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (form.dataset.submitting === "true") {
      event.preventDefault();  // a second click while the first is on its way
      return;
    }
    var dialog = document.getElementById("confirm-dialog");
    var text = confirmationText(form, dialog);
    if (text && form.dataset.confirmed !== "true" && dialog && dialog.showModal) {
      event.preventDefault();
      dialog.querySelector("[data-confirm-text]").textContent = text;
      dialog.returnValue = "";
      dialog.onclose = function () {
        if (dialog.returnValue === "confirm") {
          form.dataset.confirmed = "true";
          form.requestSubmit();
        }
      };
      dialog.showModal();
      dialog.querySelector("[data-confirm-ok]").focus();
      return;
    }
    form.dataset.submitting = "true";
    lockWhileSubmitting(form);
  }, true);

  // --- Reorder -----------------------------------------------------------------------------
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function saveOrder(list) {
    var ids = Array.prototype.map.call(list.querySelectorAll(":scope > li[data-beat-id]"), function (item) {
      return item.dataset.beatId;
    });
    return fetch(list.dataset.reorderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({beat_ids: ids})
    }).then(function (response) {
      if (!response.ok) throw new Error("reorder " + response.status);
      return response.json();
    });
  }

  function renumber(list) {
    list.querySelectorAll(":scope > li[data-beat-id]").forEach(function (item, index) {
      var placeholder = item.querySelector(".beat-placeholder");
      if (placeholder) placeholder.textContent = String(index + 1);
    });
  }

  function announce(text) {
    var region = document.getElementById("reorder-status");
    if (region) region.textContent = text;
  }

  document.querySelectorAll("ol.beat-list[data-reorder-url]").forEach(function (list) {
    var dragged = null;
    var status = document.createElement("p");
    status.id = "reorder-status";
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(status, list);

    // Pointer events (mouse, pen and touch alike): the handle is held and moved over the list.
    list.addEventListener("pointerdown", function (event) {
      var handle = event.target.closest && event.target.closest(".drag-handle");
      if (!handle || event.button !== 0) return;
      event.preventDefault();
      dragged = handle.closest("li[data-beat-id]");
      dragged.classList.add("beat-dragging");
      dragged.dataset.startOrder = Array.prototype.indexOf.call(list.children, dragged);
      handle.setPointerCapture(event.pointerId);
    });
    list.addEventListener("pointermove", function (event) {
      if (!dragged) return;
      var under = document.elementFromPoint(event.clientX, event.clientY);
      var over = under && under.closest && under.closest("ol.beat-list > li[data-beat-id]");
      if (!over || over === dragged || over.parentNode !== list) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    function drop() {
      if (!dragged) return;
      var moved = String(Array.prototype.indexOf.call(list.children, dragged)) !== dragged.dataset.startOrder;
      dragged.classList.remove("beat-dragging");
      dragged = null;
      if (!moved) return;
      renumber(list);
      saveOrder(list).then(function () { window.location.reload(); });
    }
    list.addEventListener("pointerup", drop);
    list.addEventListener("pointercancel", drop);
    list.addEventListener("keydown", function (event) {
      var handle = event.target.closest && event.target.closest(".drag-handle");
      if (!handle || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
      event.preventDefault();
      var item = handle.closest("li[data-beat-id]");
      var sibling = event.key === "ArrowUp" ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling) return;
      list.insertBefore(item, event.key === "ArrowUp" ? sibling : sibling.nextSibling);
      handle.focus();
      renumber(list);
      var position = Array.prototype.indexOf.call(list.children, item) + 1;
      announce(String(position));
      saveOrder(list).then(function () { list.dataset.saved = String(Date.now()); });
    });
  });

  // --- Film: the chosen beat videos, one after another ------------------------------------
  var player = document.getElementById("film-player");
  if (player && player.dataset.playlist) {
    var clips = player.dataset.playlist.split(" ").filter(Boolean);
    var index = 0;
    player.addEventListener("ended", function () {
      if (index + 1 >= clips.length) { index = 0; player.src = clips[0]; return; }
      index += 1;
      player.src = clips[index];
      player.play();
    });
  }

  // --- Undo toast ---------------------------------------------------------------------------
  document.querySelectorAll(".toast[data-toast-seconds]").forEach(function (toast) {
    var seconds = Math.max(10, parseInt(toast.dataset.toastSeconds, 10) || 15);
    var timer = window.setTimeout(function () { toast.hidden = true; }, seconds * 1000);
    var close = toast.querySelector("[data-toast-close]");
    if (close) close.addEventListener("click", function () { window.clearTimeout(timer); toast.hidden = true; });
  });
})();
