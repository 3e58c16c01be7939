// Progressive enhancement for the public pages. Every page works without it.
/* global document, window, navigator */
(function () {
  'use strict';

  var MAX_ITEMS = 5;

  function $all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  function words(value) {
    return (value || '').split(/\s+/).filter(Boolean);
  }

  function fill(template, vars) {
    return template.replace(/\{(\w+)\}/g, function (m, name) {
      return vars[name] === undefined ? m : String(vars[name]);
    });
  }

  // ---- Copy buttons (confirmation page) ----
  function initCopy() {
    $all(document, '[data-copy]').forEach(function (button) {
      var target = document.querySelector(button.getAttribute('data-copy'));
      if (!target) return;
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener('click', function () {
        var text = 'value' in target ? target.value : target.textContent.trim();
        var done = function () {
          button.textContent = button.getAttribute('data-copied') || label;
          setTimeout(function () {
            button.textContent = label;
          }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () {
            fallbackCopy(target);
            done();
          });
        } else {
          fallbackCopy(target);
          done();
        }
      });
    });
  }

  function fallbackCopy(target) {
    if ('select' in target) {
      target.select();
    } else {
      var range = document.createRange();
      range.selectNodeContents(target);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    try {
      document.execCommand('copy');
    } catch {
      /* the text stays selected for a manual copy */
    }
  }

  // ---- Complaint form ----
  function initForm(form) {
    var datalist = document.getElementById('article-urls');
    var articleTitles = {};
    if (datalist) {
      $all(datalist, 'option').forEach(function (o) {
        articleTitles[pathOf(o.value)] = { url: o.value, title: o.getAttribute('label') || o.textContent };
      });
    }

    function currentBasis() {
      var checked = form.querySelector('input[name="legalBasis"]:checked');
      return checked ? checked.value : '';
    }

    function onBehalf() {
      var box = form.querySelector('[data-on-behalf]');
      return Boolean(box && box.checked);
    }

    function applyBasis() {
      var basis = currentBasis();
      var agent = onBehalf();
      if (basis) form.setAttribute('data-basis', basis);
      else form.removeAttribute('data-basis');
      $all(form, '[data-required-for]').forEach(function (el) {
        var list = words(el.getAttribute('data-required-for'));
        var required = (basis && list.indexOf(basis) >= 0) || (agent && list.indexOf('agent') >= 0);
        el.classList.toggle('is-required', Boolean(required));
        $all(el, 'input, textarea, select').forEach(function (input) {
          if (input.type === 'checkbox' && !el.classList.contains('declaration')) return;
          if (required) input.setAttribute('aria-required', 'true');
          else input.removeAttribute('aria-required');
        });
      });
      $all(form, '[data-only-for]').forEach(function (el) {
        // Until a basis is chosen, everything shows (with its "required for …" note).
        el.hidden =
          Boolean(basis) &&
          words(el.getAttribute('data-only-for')).indexOf(basis) < 0 &&
          !el.querySelector('.has-error');
      });
      $all(form, '[data-agent-only]').forEach(function (el) {
        el.hidden = !agent && !el.querySelector('.has-error');
      });
      // An agent's category is "agent"; the rights holder / person concerned choice is for everyone else.
      $all(form, '[data-not-agent]').forEach(function (el) {
        el.hidden = agent && !el.classList.contains('has-error');
      });
    }

    form.addEventListener('change', function (event) {
      var t = event.target;
      if (t.name === 'legalBasis' || t.hasAttribute('data-on-behalf')) applyBasis();
      if (t.hasAttribute('data-item-kind')) applyKind(t.closest('[data-item-row]'));
      if (t.hasAttribute('data-image-select')) applyPreview(t.closest('[data-item-row]'));
      if (t.hasAttribute('data-evidence-input')) showFiles(t);
    });
    form.addEventListener('input', function (event) {
      if (event.target.hasAttribute('data-article-url')) applyArticle(event.target.closest('[data-item-row]'));
    });

    // Items: which image and text fields a row shows depends on its kind and article.
    function pathOf(url) {
      try {
        return new URL(url, window.location.href).pathname.replace(/\/+$/, '');
      } catch {
        return url;
      }
    }

    function rowKind(row) {
      var checked = row.querySelector('[data-item-kind]:checked');
      return checked ? checked.value : 'article';
    }

    function applyKind(row) {
      var kind = rowKind(row);
      $all(row, '[data-kind-only]').forEach(function (el) {
        el.hidden = words(el.getAttribute('data-kind-only')).indexOf(kind) < 0;
      });
      applyArticle(row);
    }

    function applyArticle(row) {
      var input = row.querySelector('[data-article-url]');
      var matched = row.querySelector('[data-article-matched]');
      var article = input.value.trim() ? articleTitles[pathOf(input.value.trim())] : null;
      if (matched) {
        matched.hidden = !article;
        matched.textContent = article
          ? fill(form.getAttribute('data-msg-matched') || '{title}', { title: article.title })
          : '';
      }
      var select = row.querySelector('[data-image-select]');
      if (!select) return;
      var any = false;
      $all(select, 'optgroup').forEach(function (group) {
        var show = !article || pathOf(group.getAttribute('data-article-url')) === pathOf(article.url);
        group.hidden = !show;
        group.disabled = !show;
        if (show) any = true;
      });
      var selected = select.options[select.selectedIndex];
      if (selected && selected.parentNode.tagName === 'OPTGROUP' && selected.parentNode.disabled) select.value = '';
      if (article && !select.value) {
        // An article with exactly one image: choose it.
        var visible = $all(select, 'optgroup:not([disabled]) option');
        if (visible.length === 1) select.value = visible[0].value;
      }
      var none = row.querySelector('[data-no-images]');
      if (none) none.hidden = any;
      applyPreview(row);
    }

    function applyPreview(row) {
      var select = row.querySelector('[data-image-select]');
      var preview = row.querySelector('[data-image-preview]');
      if (!select || !preview) return;
      var option = select.options[select.selectedIndex];
      var url = option && option.getAttribute('data-image-url');
      preview.hidden = !url;
      if (url) {
        var img = preview.querySelector('img');
        img.src = url;
        img.alt = option.textContent;
      }
    }

    var rows = form.querySelector('[data-item-rows]');
    var template = document.getElementById('item-row-template');
    var addButton = form.querySelector('[data-action="add-item"]');
    var maxNote = form.querySelector('[data-max-items-note]');

    function renumber() {
      $all(rows, '[data-item-row]').forEach(function (row, i) {
        row.setAttribute('data-index', String(i));
        $all(row, '[name^="items["]').forEach(function (el) {
          el.name = el.name.replace(/^items\[[^\]]*\]/, 'items[' + i + ']');
        });
        ['id', 'for', 'aria-describedby'].forEach(function (attr) {
          $all(row, '[' + attr + ']').forEach(function (el) {
            el.setAttribute(attr, el.getAttribute(attr).replace(/items\.[^.\s]+\./g, 'items.' + i + '.'));
          });
        });
      });
      var count = $all(rows, '[data-item-row]').length;
      $all(rows, '[data-action="remove-item"]').forEach(function (b) {
        b.hidden = count < 2;
      });
      if (addButton) {
        addButton.hidden = count >= MAX_ITEMS;
        if (maxNote) maxNote.hidden = count < MAX_ITEMS;
      }
    }

    if (rows && template && addButton) {
      addButton.addEventListener('click', function () {
        var count = $all(rows, '[data-item-row]').length;
        if (count >= MAX_ITEMS) return;
        var holder = document.createElement('div');
        holder.innerHTML = template.innerHTML.replace(/__i__/g, String(count));
        var row = holder.querySelector('[data-item-row]');
        rows.appendChild(row);
        renumber();
        applyKind(row);
        row.querySelector('[data-article-url]').focus();
      });
      rows.addEventListener('click', function (event) {
        var button = event.target.closest('[data-action="remove-item"]');
        if (!button) return;
        var row = button.closest('[data-item-row]');
        var next = row.previousElementSibling || row.nextElementSibling;
        row.remove();
        renumber();
        if (next) next.querySelector('[data-article-url]').focus();
      });
      renumber();
    }
    $all(form, '[data-item-row]').forEach(applyKind);

    // Evidence: list the chosen files and warn early about count and size (the server checks again).
    function showFiles(input) {
      var list = form.querySelector('[data-file-list]');
      if (!list) return;
      list.textContent = '';
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) return;
      var maxFiles = Number(form.getAttribute('data-max-files')) || 5;
      var maxMb = Number(form.getAttribute('data-max-file-mb')) || 10;
      var p = document.createElement('p');
      p.className = 'field__hint';
      p.textContent = fill(form.getAttribute('data-msg-selected') || '{n}', { n: files.length });
      list.appendChild(p);
      var ul = document.createElement('ul');
      files.forEach(function (f) {
        var li = document.createElement('li');
        li.textContent = f.name + ' (' + (f.size / 1024 / 1024).toFixed(f.size < 1024 * 1024 ? 2 : 1) + ' MB)';
        ul.appendChild(li);
      });
      list.appendChild(ul);
      var problems = [];
      if (files.length > maxFiles) problems.push(form.getAttribute('data-msg-too-many'));
      files.forEach(function (f) {
        if (f.size > maxMb * 1024 * 1024)
          problems.push(fill(form.getAttribute('data-msg-too-large') || '', { name: f.name }));
      });
      problems.forEach(function (text) {
        var e = document.createElement('p');
        e.className = 'field-error';
        e.textContent = text;
        list.appendChild(e);
      });
    }

    // One submission at a time; the idempotency key makes a repeat harmless anyway.
    var submitButton = form.querySelector('[data-submit]');
    var submitLabel = submitButton ? submitButton.textContent : '';
    form.addEventListener('submit', function () {
      var button = submitButton;
      if (!button) return;
      setTimeout(function () {
        button.disabled = true;
        button.textContent = form.getAttribute('data-msg-submitting') || button.textContent;
      }, 0);
    });
    window.addEventListener('pageshow', function (event) {
      // Back from the confirmation page (bfcache): the button must work again.
      if (event.persisted) {
        if (submitButton) {
          submitButton.disabled = false;
          submitButton.textContent = submitLabel;
        }
      }
    });

    applyBasis();
    var summary = document.getElementById('error-summary');
    if (summary) summary.focus();
  }

  function init() {
    initCopy();
    var form = document.getElementById('complaint-form');
    if (form) initForm(form);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
