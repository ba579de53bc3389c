// Moderators' curation panel: copy the text selected in a comment into the excerpt form.
// Without this script the passage is pasted by hand; the server checks it either way.
(function () {
  "use strict";
  function squash(text) { return text.replace(/\s+/g, " "); }
  function reveal(root) {
    root.querySelectorAll(".excerpt-form .use-selection").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (e) { reveal(e.target); });
  document.addEventListener("click", function (e) {
    var button = e.target.closest(".use-selection");
    if (!button) { return; }
    var form = button.closest("form");
    var body = document.querySelector("#c-" + form.dataset.comment + " .body");
    var selection = window.getSelection();
    if (!body || !selection || selection.rangeCount === 0) { return; }
    var range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) { return; }
    var before = document.createRange();
    before.setStart(body, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var passage = squash(range.toString()).trim();
    var lead = squash(before.toString()).replace(/^ /, "");
    form.querySelector("textarea[name=passage]").value = passage;
    form.querySelector("input[name=start]").value = String(lead.length);
    form.querySelector("textarea[name=passage]").focus();
  });
})();
