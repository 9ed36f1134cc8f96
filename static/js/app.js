/* Finance Control Tower: the behaviour our HTML declares. No inline script or on*= handlers
 * anywhere (Content-Security-Policy script-src 'self'); pages say what they want with attributes.
 *
 * After an htmx swap (STYLE.md, Screens):
 *   - focus moves to the first [data-focus] of the new content (the result of the action);
 *   - a response with errors focuses the first field marked aria-invalid, else its [role=alert];
 *   - when the control that had focus was replaced (an action that no longer applies), focus goes
 *     to the element with the same id if it came back, else to the heading of the swapped panel;
 *   - otherwise (a poll, a filter while typing) focus stays where it is.
 * Navigation: .menu-toggle[aria-controls] opens and closes the menu on narrow screens; Escape
 * closes it. Without JavaScript the menu is simply always open (html.no-js).
 */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function focusOn(element) {
    if (!element) return false;
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: false });
    return document.activeElement === element;
  }

  function setMenu(toggle, open) {
    toggle.setAttribute("aria-expanded", String(open));
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (menu) menu.classList.toggle("open", open);
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menu-toggle");
    if (!toggle) return;
    setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector(".menu-toggle[aria-expanded=true]");
    if (open) {
      setMenu(open, false);
      open.focus();
    }
  });

  var focusedBefore = null;
  var settled = null;

  document.addEventListener("htmx:beforeSwap", function () {
    focusedBefore = document.activeElement;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && settled === xhr) return; // one decision per response (a swap settles several elements)
    settled = xhr;
    var target = event.detail && event.detail.target;
    var region = target && document.body.contains(target) ? target : event.target;
    if (!(region instanceof Element)) region = document.body;

    var marked = document.querySelector("[data-focus]");
    if (marked) {
      marked.removeAttribute("data-focus");
      if (focusOn(marked)) return;
    }
    var invalid = region.querySelector("[aria-invalid=true]") || region.querySelector("[role=alert]");
    if (invalid && xhr && xhr.status >= 400) {
      focusOn(invalid);
      return;
    }
    var lost = focusedBefore && focusedBefore !== document.body && !document.body.contains(focusedBefore);
    if (!lost) return;
    var again = focusedBefore.id && document.getElementById(focusedBefore.id);
    if (again && focusOn(again)) return;
    var panel = region.closest("[data-region]") || region;
    focusOn(panel.querySelector("h1, h2, h3") || panel);
  });
})();
