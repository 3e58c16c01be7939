// Staff pages: progressive enhancement only; every form works without it.
/* global document, window, Event */
(function () {
  'use strict';

  function $all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  // ---- Reply-template picker: inserts the chosen text at the cursor of its textarea ----
  function insertText(area, text) {
    var start = typeof area.selectionStart === 'number' ? area.selectionStart : area.value.length;
    var end = typeof area.selectionEnd === 'number' ? area.selectionEnd : area.value.length;
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    var sepBefore = before && !/\n$/.test(before) ? '\n' : '';
    var sepAfter = after && !/^\n/.test(after) ? '\n' : '';
    area.value = before + sepBefore + text + sepAfter + after;
    var caret = (before + sepBefore + text).length;
    area.focus();
    if (area.setSelectionRange) area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function initPickers() {
    $all(document, '[data-reply-picker]').forEach(function (box) {
      var select = box.querySelector('select');
      var area = select && document.getElementById(select.getAttribute('data-target'));
      if (!area) return;
      box.hidden = false;
      select.addEventListener('change', function () {
        var option = select.options[select.selectedIndex];
        var text = option && option.getAttribute('data-body');
        if (text) insertText(area, text);
        select.selectedIndex = 0;
      });
    });
  }

  // ---- Confirm before a destructive change (delete a template) ----
  function initConfirm() {
    $all(document, 'form[data-confirm]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
      });
    });
  }

  // ---- Avoid double submits of decision forms ----
  function initOnce() {
    $all(document, '.case form, .replies form').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (e.defaultPrevented) return;
        $all(form, 'button[type="submit"]').forEach(function (b) {
          setTimeout(function () {
            b.disabled = true;
          }, 0);
        });
      });
    });
  }

  // ---- Bring the error banner into view ----
  function initError() {
    var err = document.getElementById('case-error');
    if (err) err.focus();
  }

  function init() {
    initPickers();
    initConfirm();
    initOnce();
    initError();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
