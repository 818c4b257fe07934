// Inline review comments in the Changes tab: a line's "+" button opens a comment
// form under that line (cloned from the diff's <template>, posted by htmx, which
// puts the saved comment in the form's place), Cancel or Escape closes it,
// Ctrl+Enter adds it, and the open-comment count follows additions, resolutions
// and deletions. The comments themselves are rendered by the server.
(function () {
  'use strict';

  let forms = 0;

  /** How many cells a row of this table spans. */
  function width(row) {
    return Array.from(row.children).reduce((n, cell) => n + (cell.colSpan || 1), 0);
  }

  /** The comment row under `row`, made when there is none. */
  function threadUnder(row) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains('comment-row')) return next.querySelector('.thread');
    const tr = document.createElement('tr');
    tr.className = 'comment-row';
    const td = document.createElement('td');
    td.colSpan = width(row);
    const ul = document.createElement('ul');
    ul.className = 'thread';
    td.appendChild(ul);
    tr.appendChild(td);
    row.after(tr);
    return ul;
  }

  function openForm(button) {
    const template = document.getElementById('comment-form-template');
    const file = button.closest('[data-file]');
    const row = button.closest('tr');
    if (!template || !file || !row) return;
    const line = button.dataset.line;
    const side = button.dataset.side;
    const thread = threadUnder(row);
    const open = Array.from(thread.querySelectorAll('form[data-comment-form]'))
      .find((f) => f.elements.line.value === line && f.elements.side.value === side);
    if (open) {
      open.elements.body.focus();
      return;
    }
    const item = template.content.firstElementChild.cloneNode(true);
    const form = item.querySelector('form');
    form.elements.file.value = file.dataset.file;
    form.elements.line.value = line;
    form.elements.side.value = side;
    const where = (side === 'old' ? 'old line ' : 'line ') + line + ' of ' + file.dataset.file;
    item.querySelector('[data-comment-label]').textContent = 'Comment on ' + where;
    const error = item.querySelector('[data-comment-error]');
    forms += 1;
    error.id = 'comment-error-' + forms;
    form.setAttribute('data-error-target', '#' + error.id);
    thread.appendChild(item);
    window.htmx.process(item);
    form.elements.body.focus();
  }

  /** Drops comment rows left empty, and shows how many comments are open. */
  function tidy() {
    const area = document.getElementById('diff-area');
    if (!area) return;
    area.querySelectorAll('tr.comment-row').forEach((row) => {
      if (!row.querySelector('li')) row.remove();
    });
    area.querySelectorAll('.other-comments').forEach((section) => {
      if (!section.querySelector('li')) section.remove();
    });
    const count = area.querySelector('[data-open-count]');
    if (!count) return;
    const open = area.querySelectorAll('[data-comment]').length;
    count.textContent = String(open);
    const plural = area.querySelector('[data-open-plural]');
    if (plural) plural.textContent = open === 1 ? '' : 's';
  }

  function cancel(form) {
    const item = form.closest('li');
    const row = item && item.closest('tr');
    if (item) item.remove();
    tidy();
    // Back to the line the form was for, so keyboard users keep their place.
    const line = row && row.previousElementSibling;
    const button = line && line.querySelector('.line-comment[data-side="' + form.elements.side.value + '"]');
    if (button) button.focus();
  }

  document.addEventListener('click', (e) => {
    const button = e.target.closest('.line-comment');
    if (button) {
      openForm(button);
      return;
    }
    const cancelButton = e.target.closest('[data-comment-cancel]');
    if (cancelButton) cancel(cancelButton.closest('form'));
  });

  document.addEventListener('keydown', (e) => {
    const form = e.target.closest && e.target.closest('form[data-comment-form]');
    if (!form) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      cancel(form);
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  }, true);

  // A comment was added (it replaced its form), resolved or deleted (its
  // button left the page with it, so no event says where it was): recount.
  function later() {
    if (document.getElementById('diff-area')) setTimeout(tidy, 0);
  }
  document.addEventListener('htmx:afterRequest', later);
  document.addEventListener('htmx:afterSettle', later);
})();
