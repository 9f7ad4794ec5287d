// Phones: the signed-in navigation folds behind the "Menu" button (CSS hides it below 720 px
// once this script runs). Without JavaScript the menu simply stays open.
(function () {
  document.documentElement.classList.add("js");
  var toggle = document.querySelector(".nav-toggle");
  if (!toggle) return;
  var menu = document.getElementById(toggle.getAttribute("aria-controls"));
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("is-open", open);
  });
})();
