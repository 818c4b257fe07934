// The attempt page: the live conversation (new entries fetched as the stream
// announces them, older ones as the reader scrolls up), auto-scroll that pauses
// while the reader is scrolled up, tool results joined to their calls across
// pages, a bounded DOM, the tabs and the composer.
(function () {
  'use strict';

  /** Entries kept in the page while following live output. */
  const MAX_ENTRIES = 1500;
  /** How many to keep after trimming. */
  const KEEP_ENTRIES = 1000;
  /** Pixels from the bottom that still count as "at the bottom". */
  const STICK_SLACK = 60;

  let stick = true;
  let olderHeight = null;

  const scroller = () => document.getElementById('conversation-scroll');
  const list = () => document.getElementById('entries');

  function seqs() {
    const items = list().querySelectorAll(':scope > li[data-seq]');
    if (!items.length) return { first: null, last: 0 };
    return { first: +items[0].dataset.seq, last: +items[items.length - 1].dataset.seq };
  }

  function toBottom() {
    const s = scroller();
    s.scrollTop = s.scrollHeight;
    stick = true;
    document.getElementById('jump-latest').hidden = true;
  }

  /** Moves results that arrived apart from their calls into the calls' cards. */
  function joinResults() {
    list().querySelectorAll('.orphan-result[data-result-for]').forEach((orphan) => {
      const id = orphan.dataset.resultFor;
      const card = list().querySelector('details.tool[data-call-id="' + CSS.escape(id) + '"]');
      if (!card) return;
      const slot = card.querySelector('[data-result-slot]');
      const result = orphan.querySelector('.tool-result');
      if (slot && result) {
        const label = result.querySelector(':scope > .muted');
        if (label) label.remove();
        slot.replaceChildren(result);
      }
      const ok = orphan.dataset.resultOk === '1';
      const state = card.querySelector('[data-tool-state]');
      if (state) state.textContent = ok ? 'ok' : 'failed';
      if (!ok) {
        card.classList.add('tool-failed');
        card.open = true;
      }
      orphan.closest('li').remove();
    });
  }

  function trim() {
    const items = list().querySelectorAll(':scope > li');
    if (items.length <= MAX_ENTRIES || !stick) return;
    for (let i = 0; i < items.length - KEEP_ENTRIES; i++) items[i].remove();
    const older = document.getElementById('older');
    older.hidden = false;
  }

  function olderVisible() {
    const older = document.getElementById('older');
    if (!older || older.hidden) return false;
    const box = scroller().getBoundingClientRect();
    const r = older.getBoundingClientRect();
    return r.bottom >= box.top && r.top <= box.bottom;
  }

  function onAttemptPage() {
    return !!document.querySelector('.attempt-shell');
  }

  // Each fetch asks for what the page does not have yet.
  document.addEventListener('htmx:configRequest', (e) => {
    const elt = e.detail.elt;
    if (!elt || !onAttemptPage()) return;
    if (elt.id === 'diff-refresh') {
      // A reload keeps the layout the reader chose.
      if (document.querySelector('#diff-area [data-diff-view=split][aria-pressed=true]')) {
        e.detail.parameters.view = 'split';
      }
    } else if (elt.id === 'live-fetch') {
      e.detail.parameters.after = seqs().last;
    } else if (elt.id === 'older') {
      const first = seqs().first;
      if (first === null || first <= 1) {
        elt.hidden = true;
        e.preventDefault();
        return;
      }
      e.detail.parameters.before = first;
    }
  });

  document.addEventListener('htmx:beforeSwap', (e) => {
    if (!onAttemptPage() || e.detail.target !== list()) return;
    const from = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (from && from.id === 'older') olderHeight = scroller().scrollHeight;
  });

  document.addEventListener('htmx:afterSwap', (e) => {
    if (!onAttemptPage() || e.detail.target !== list()) return;
    const from = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (from && from.id === 'older') {
      // Keep what the reader was looking at in place.
      scroller().scrollTop += scroller().scrollHeight - olderHeight;
      olderHeight = null;
      const start = list().querySelector('[data-log-start]');
      if (start) {
        document.getElementById('older').hidden = true;
        // Only one marker, at the top.
        list().querySelectorAll('[data-log-start]').forEach((m, i) => { if (i > 0) m.remove(); });
      } else if (olderVisible()) {
        setTimeout(() => window.htmx.trigger('#older', 'more-older'), 0);
      }
      joinResults();
      return;
    }
    joinResults();
    trim();
    if (stick) {
      toBottom();
    } else {
      document.getElementById('jump-latest').hidden = false;
    }
  });

  document.addEventListener('scroll', (e) => {
    const s = scroller();
    if (e.target !== s) return;
    stick = s.scrollHeight - s.scrollTop - s.clientHeight < STICK_SLACK;
    if (stick) document.getElementById('jump-latest').hidden = true;
  }, true);

  document.addEventListener('click', (e) => {
    if (e.target.closest('#jump-latest')) {
      toBottom();
      return;
    }
    const tab = e.target.closest('[role=tab][data-tab]');
    if (tab) selectTab(tab);
  });

  // ---------- tabs ----------
  function selectTab(tab) {
    const tabs = Array.from(tab.parentElement.querySelectorAll('[role=tab]'));
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    });
    if (tab.dataset.tab === 'changes') {
      const refresh = document.getElementById('diff-refresh');
      if (refresh && !refresh.dataset.loaded) {
        refresh.dataset.loaded = '1';
        window.htmx.trigger(refresh, 'load-changes');
      }
    } else if (stick) {
      toBottom();
    }
    history.replaceState({}, '', tab.dataset.tab === 'changes' ? '#changes' : location.pathname);
  }

  document.addEventListener('keydown', (e) => {
    const tab = e.target.closest && e.target.closest('[role=tab][data-tab]');
    if (tab && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
      const tabs = Array.from(tab.parentElement.querySelectorAll('[role=tab]'));
      const next = tabs[(tabs.indexOf(tab) + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      selectTab(next);
      e.preventDefault();
    }
    // Ctrl+Enter (or Cmd+Enter) sends the follow-up.
    if (e.target.id === 'followup-text' && e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  // A running agent changed files (`attempt.diff.changed`, whose payload names
  // only the attempt), or the attempt settled (git actions become possible):
  // reload the diff if it is on screen, else when it is next shown.
  const SETTLED = ['succeeded', 'failed', 'stopped', 'interrupted'];
  let diffTimer = null;
  document.addEventListener('htmx:sseMessage', (e) => {
    if (!onAttemptPage() || !e.detail || e.detail.type !== 'attempt.status') return;
    let data = null;
    try { data = JSON.parse(e.detail.data); } catch (_) { return; }
    if (!data || ('status' in data && !SETTLED.includes(data.status))) return;
    const refresh = document.getElementById('diff-refresh');
    if (!refresh || !refresh.dataset.loaded) return;
    if (document.getElementById('tab-changes').hidden) {
      delete refresh.dataset.loaded;
      return;
    }
    clearTimeout(diffTimer);
    diffTimer = setTimeout(() => reloadDiff(refresh), 300);
  });

  /** Reloads the diff, but not over a review comment being written. */
  function reloadDiff(refresh) {
    const writing = Array.from(document.querySelectorAll('#diff-area form[data-comment-form] textarea'))
      .some((t) => t.value.trim() !== '');
    if (writing) {
      diffTimer = setTimeout(() => reloadDiff(refresh), 2000);
      return;
    }
    window.htmx.trigger(refresh, 'load-changes');
  }

  // The start dialog: choosing a profile means using its agent.
  document.addEventListener('change', (e) => {
    if (e.target.id === 'start-profile' && e.target.value) {
      const agent = document.getElementById('start-agent');
      if (agent) agent.value = '';
    }
  });

  document.addEventListener('DOMContentLoaded', () => {
    if (!onAttemptPage()) return;
    joinResults();
    toBottom();
    if (location.hash === '#changes') selectTab(document.getElementById('tab-changes-button'));
    // When the conversation became interactive, for the UI benchmark.
    window.cadre.attemptReadyAt = performance.now();
  });
})();
