// Coding a passage (backoffice/analysis/answer.html): selecting text in the answer fills the
// form's passage and its character offsets in the answer. Without this script the analyst
// pastes the passage and the server finds it in the answer.
(function () {
  "use strict";
  var answer = document.getElementById("answer-text");
  var form = document.getElementById("coding-form");
  if (!answer || !form) {
    return;
  }
  var passage = document.getElementById("c-passage");
  var start = document.getElementById("c-start");
  var end = document.getElementById("c-end");
  var whole = document.getElementById("c-whole");

  // The number of characters of the answer before (node, offset), counted as the server
  // counts them (code points: an emoji is one character, two UTF-16 units in a JS string).
  function offsetOf(node, offset) {
    var range = document.createRange();
    range.setStart(answer, 0);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  }

  function selected() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!answer.contains(range.startContainer) || !answer.contains(range.endContainer)) {
      return;
    }
    var first = offsetOf(range.startContainer, range.startOffset);
    var last = offsetOf(range.endContainer, range.endOffset);
    if (last <= first) {
      return;
    }
    passage.value = Array.from(answer.textContent).slice(first, last).join("");
    start.value = String(first);
    end.value = String(last);
    whole.checked = false;
  }

  answer.addEventListener("mouseup", selected);
  answer.addEventListener("keyup", selected);
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (selection && selection.rangeCount && answer.contains(selection.anchorNode)) {
      selected();
    }
  });
  // A passage typed by hand is found by the server: the offsets of a selection no longer hold.
  passage.addEventListener("input", function () {
    start.value = "";
    end.value = "";
  });
})();
