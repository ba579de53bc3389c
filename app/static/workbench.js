// The drafting workbench (and a draft's page): "Cite" puts the new excerpt's marker at the
// cursor of the section last typed in. htmx sends the citing request and swaps the answer
// into #cite-status; its data-marker is inserted here, nothing typed is replaced, and the
// draft is saved only when the moderator saves it. Without this script the same buttons
// post the draft's form: the marker goes at the end of the chosen section, saved.
(function () {
  "use strict";
  var SECTIONS = "form#draft textarea[name^='section_']";
  var last = null;
  var caret = null;

  function isSection(element) {
    return element && element.matches && element.matches(SECTIONS);
  }

  document.addEventListener("focusin", function (e) {
    if (isSection(e.target)) { last = e.target; caret = null; }
  });
  // Leaving a section (to press "Cite", by mouse or Tab) remembers where the cursor was.
  document.addEventListener("focusout", function (e) {
    if (isSection(e.target)) { caret = e.target.selectionEnd; }
  });

  function target() {
    if (last && document.body.contains(last)) { return last; }
    var chosen = document.querySelector("#draft-section");
    var area = chosen && document.querySelector("#draft-section_" + chosen.value);
    return area || document.querySelector(SECTIONS);
  }

  function insert(marker) {
    var area = target();
    if (!area || area.readOnly) { return; }
    var at = area === last && caret !== null ? caret : area.value.length;
    at = Math.min(at, area.value.length);
    area.focus();
    area.setRangeText(marker, at, at, "end");
    caret = at + marker.length;
    area.setSelectionRange(caret, caret);
    last = area;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("htmx:load", function (e) {
    var status = e.target;
    if (!status || status.id !== "cite-status" || !status.dataset.marker) { return; }
    var marker = status.dataset.marker;
    status.removeAttribute("data-marker");
    insert(marker);
  });

  // A free selection inside a comment's text: its passage and where it starts, counted
  // in the comment's text as the page cut it (each piece knows its offset).
  function offset(node, within) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var piece = element && element.closest(".piece");
    if (!piece) { return null; }
    return Number(piece.dataset.start) + (node.nodeType === Node.TEXT_NODE ? within : 0);
  }

  function reveal(root) {
    root.querySelectorAll(".free-passage .wb-use-selection").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".free-passage .wb-use-selection");
    if (!button) { return; }
    var id = button.dataset.comment;
    var body = document.querySelector("#wb-c-" + id + " .body");
    var selection = window.getSelection();
    if (!body || !selection || selection.rangeCount === 0) { return; }
    var range = selection.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) { return; }
    var start = offset(range.startContainer, range.startOffset);
    var end = offset(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) { return; }
    var text = "";
    body.querySelectorAll(".piece").forEach(function (p) { text += p.textContent; });
    var passage = text.slice(start, end);
    var lead = passage.length - passage.replace(/^\s+/, "").length;
    var box = document.getElementById("draft-passage-" + id);
    box.value = passage.trim();
    document.querySelector("input[name='start-" + id + "']").value = String(start + lead);
    box.focus();
  });
})();
