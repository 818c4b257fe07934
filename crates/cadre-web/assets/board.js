// The board page: drag and drop through the move API (a refused move snaps back
// and says why), the card filter, the cancelled column toggle, the task panel,
// live refreshes that keep what the user is doing, and the board's shortcuts.
(function () {
  'use strict';

  const cadre = window.cadre;
  let dragging = false;
  let refreshWaiting = false;
  let justDragged = false;

  const live = () => document.getElementById('board-live');
  const refresher = () => document.getElementById('board-refresh');
  const shell = () => document.querySelector('.board-shell');

  function refresh() {
    const el = refresher();
    if (el && window.htmx) window.htmx.trigger(el, 'refresh');
  }

  /** The server's message from an API error body, or the status. */
  async function apiError(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (_) { /* not JSON */ }
    return 'the server answered ' + response.status;
  }

  function snapBack(evt) {
    const card = evt.item;
    card.remove();
    evt.from.insertBefore(card, evt.from.children[evt.oldIndex] || null);
    card.classList.remove('refused');
    void card.offsetWidth; // restart the animation
    card.classList.add('refused');
  }

  async function moved(evt) {
    const card = evt.item;
    const to = evt.to.dataset.status;
    if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
    const key = card.dataset.key;
    try {
      const response = await fetch('/api/v1/tasks/' + encodeURIComponent(key) + '/move', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ status: to, position: evt.newIndex }),
      });
      if (!response.ok) throw new Error(await apiError(response));
    } catch (err) {
      snapBack(evt);
      cadre.toast(key + ' was not moved: ' + err.message, 'error');
      const region = document.getElementById('move-status');
      if (region) region.textContent = key + ' was not moved: ' + err.message;
    }
  }

  function initSortables(root) {
    if (!window.Sortable) return;
    root.querySelectorAll('.column-cards').forEach((list) => {
      if (list.dataset.sortable) return;
      list.dataset.sortable = '1';
      window.Sortable.create(list, {
        group: 'board',
        draggable: '.card',
        animation: 120,
        // Pointer events rather than native drag and drop: works the same with a
        // mouse, a finger and a test driver.
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 5,
        delayOnTouchOnly: true,
        delay: 150,
        filter: 'input, button, select, textarea',
        preventOnFilter: false,
        onStart() { dragging = true; },
        onEnd(evt) {
          justDragged = true;
          setTimeout(() => { justDragged = false; }, 50);
          moved(evt).finally(() => {
            dragging = false;
            // Reconcile with the server either way (positions of the others).
            refreshWaiting = false;
            refresh();
          });
        },
      });
    });
  }

  // A drag that ends over a card's link must not also open it.
  document.addEventListener('click', (e) => {
    if (justDragged && e.target.closest('.card')) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);

  // A card's title opens its panel in place (one listener for every card, so a
  // board of a thousand cards carries no per-card htmx wiring); a modified click
  // still opens the link itself.
  document.addEventListener('click', (e) => {
    const link = e.target.closest('a[data-card-link]');
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const key = link.closest('.card').dataset.key;
    window.htmx.ajax('GET', '/ui/tasks/' + encodeURIComponent(key) + '/panel', { target: '#panel', swap: 'innerHTML' })
      .then(() => history.pushState({}, '', link.getAttribute('href')));
  });

  // ---------- filter ----------
  function applyFilter() {
    const input = document.getElementById('board-search');
    if (!input) return;
    const terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length && !document.querySelector('.board .card.filtered-out')) return;
    document.querySelectorAll('.board .card').forEach((card) => {
      const text = card.dataset.search || '';
      card.classList.toggle('filtered-out', !terms.every((t) => text.includes(t)));
    });
  }
  document.addEventListener('input', (e) => {
    if (e.target.id === 'board-search') {
      applyFilter();
      sessionStorage.setItem('cadre.filter', e.target.value);
    }
  });

  // ---------- cancelled column ----------
  function syncCancelled() {
    const on = localStorage.getItem('cadre.showCancelled') === '1';
    const el = shell();
    if (el) el.classList.toggle('show-cancelled', on);
    const button = document.getElementById('toggle-cancelled');
    if (button) button.setAttribute('aria-pressed', on ? 'true' : 'false');
    const board = document.querySelector('.board');
    const count = document.getElementById('cancelled-count');
    if (board && count) count.textContent = board.dataset.cancelled;
  }
  document.addEventListener('click', (e) => {
    if (!e.target.closest('#toggle-cancelled')) return;
    const on = localStorage.getItem('cadre.showCancelled') === '1';
    localStorage.setItem('cadre.showCancelled', on ? '0' : '1');
    syncCancelled();
    if (!on) {
      const column = document.getElementById('column-cancelled');
      if (column) column.scrollIntoView({ behavior: 'smooth', inline: 'nearest' });
    }
  });

  // ---------- live refresh ----------
  let saved = null;
  document.addEventListener('htmx:beforeRequest', (e) => {
    if (e.detail.elt === refresher() && dragging) {
      // Never swap the board under a drag; refresh once it ends.
      e.preventDefault();
      refreshWaiting = true;
    }
  });
  document.addEventListener('htmx:beforeSwap', (e) => {
    if (e.detail.target !== live() || e.detail.isError) return;
    const from = e.detail.requestConfig && e.detail.requestConfig.elt;
    const posted = from && from.closest && from.closest('form[data-quick-add]');
    // The form that was just sent may already be a detached copy (a live refresh
    // can land first), so it is known by its input's id, not by the element.
    const sent = posted && posted.querySelector('input[id]');
    // Keep half-typed quick-add titles and the columns' scroll positions.
    saved = { values: {}, scroll: {} };
    live().querySelectorAll('.quick-add input[id]').forEach((input) => {
      if (input.value && !(sent && sent.id === input.id)) saved.values[input.id] = input.value;
    });
    live().querySelectorAll('.column-cards').forEach((list) => {
      saved.scroll[list.dataset.status] = list.scrollTop;
    });
    saved.boardScroll = live().scrollLeft;
  });
  document.addEventListener('htmx:afterSwap', (e) => {
    const target = e.detail.target;
    if (target === live()) {
      if (saved) {
        Object.entries(saved.values).forEach(([id, value]) => {
          const input = document.getElementById(id);
          if (input) input.value = value;
        });
        live().querySelectorAll('.column-cards').forEach((list) => {
          list.scrollTop = saved.scroll[list.dataset.status] || 0;
        });
        live().scrollLeft = saved.boardScroll;
        saved = null;
      }
      initSortables(target);
      applyFilter();
      syncCancelled();
      if (refreshWaiting && !dragging) {
        refreshWaiting = false;
        refresh();
      }
    } else if (target && target.id === 'panel') {
      openPanel();
    }
  });

  // The stream reconnected after an error: events may have been missed.
  let opened = false;
  document.addEventListener('htmx:sseOpen', (e) => {
    if (!e.detail.elt || !e.detail.elt.classList || !e.detail.elt.classList.contains('board-shell')) return;
    if (opened) refresh();
    opened = true;
  });

  // ---------- panel ----------
  function openPanel() {
    const panel = document.getElementById('panel');
    if (!panel) return;
    panel.hidden = false;
    shell().classList.add('panel-open');
    const title = document.getElementById('panel-title');
    if (title && !panel.contains(document.activeElement)) title.focus({ preventScroll: true });
  }

  function closePanel() {
    const panel = document.getElementById('panel');
    if (!panel || panel.hidden) return false;
    const key = panel.querySelector('[data-task]') && panel.querySelector('[data-task]').dataset.task;
    panel.hidden = true;
    panel.replaceChildren();
    shell().classList.remove('panel-open');
    const project = shell().dataset.project;
    history.pushState({}, '', '/p/' + project);
    const card = key && document.getElementById('card-' + key);
    if (card) card.querySelector('.card-title').focus();
    return true;
  }

  document.addEventListener('click', (e) => {
    if (e.target.closest('[data-close-panel]')) {
      e.preventDefault();
      closePanel();
    }
  });

  // ---------- keyboard ----------
  function visibleColumns() {
    return Array.from(document.querySelectorAll('.board .column')).filter((c) => c.offsetParent !== null);
  }
  function cardsOf(column) {
    return Array.from(column.querySelectorAll('.card:not(.filtered-out)'));
  }
  function focusCard(card) {
    if (!card) return;
    card.querySelector('.card-title').focus();
    card.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }
  function stepCard(delta) {
    const current = document.activeElement && document.activeElement.closest('.card');
    const columns = visibleColumns();
    if (!current) {
      for (const c of columns) {
        const cards = cardsOf(c);
        if (cards.length) return focusCard(cards[0]);
      }
      return;
    }
    const cards = cardsOf(current.closest('.column'));
    const i = cards.indexOf(current);
    focusCard(cards[Math.max(0, Math.min(cards.length - 1, i + delta))]);
  }
  function stepColumn(delta) {
    const columns = visibleColumns();
    const current = document.activeElement && document.activeElement.closest('.column');
    let i = current ? columns.indexOf(current) : -1;
    for (let step = 0; step < columns.length; step++) {
      i += delta;
      if (i < 0 || i >= columns.length) return;
      const cards = cardsOf(columns[i]);
      if (cards.length) return focusCard(cards[0]);
    }
  }

  function onBoard() {
    return !!live();
  }

  document.addEventListener('DOMContentLoaded', () => {
    if (!onBoard()) return;
    const filter = sessionStorage.getItem('cadre.filter');
    const input = document.getElementById('board-search');
    if (filter && input) input.value = filter;
    initSortables(document);
    applyFilter();
    syncCancelled();
    cadre.onKey('n', () => { document.getElementById('new-task').click(); });
    cadre.onKey('/', () => { document.getElementById('board-search').focus(); });
    cadre.onKey('j', () => stepCard(1));
    cadre.onKey('k', () => stepCard(-1));
    cadre.onKey('l', () => stepColumn(1));
    cadre.onKey('h', () => stepColumn(-1));
    // When the board became interactive, for the UI benchmark.
    cadre.boardReadyAt = performance.now();
    cadre.onKey('Escape', (e) => {
      if (e.target.id === 'board-search' && e.target.value) {
        e.target.value = '';
        applyFilter();
        sessionStorage.removeItem('cadre.filter');
        return true;
      }
      return closePanel();
    });
  });
})();
