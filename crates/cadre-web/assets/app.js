// cadre's shared page script: toasts, where htmx puts errors, dialogs, the project
// switcher, local times, desktop notifications and the global keyboard shortcuts.
// The markup has no inline handlers (the Content-Security-Policy forbids them):
// everything is wired here by listening on the document.
(function () {
  'use strict';

  const cadre = (window.cadre = window.cadre || {});
  const keyHandlers = {};

  /** Shows a message in the corner; errors stay longer. */
  cadre.toast = function (message, kind) {
    const box = document.getElementById('toasts');
    if (!box || !message) return;
    const toast = document.createElement('div');
    toast.className = 'toast ' + (kind || 'info');
    toast.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    toast.textContent = message;
    box.appendChild(toast);
    setTimeout(() => toast.remove(), kind === 'error' ? 12000 : 5000);
  };

  /** Registers a page's handler for a single-key shortcut. */
  cadre.onKey = function (key, handler) {
    keyHandlers[key] = handler;
  };

  /** The text of an HTML error fragment. */
  function textOf(html) {
    const div = document.createElement('div');
    div.innerHTML = html;
    return (div.textContent || '').trim();
  }
  cadre.textOf = textOf;

  // Errors: a request whose element names a `data-error-target` shows the error
  // there; errors aimed at a whole region (board, panel, dialog) become a toast
  // instead of replacing the region; anything else is swapped in place.
  document.addEventListener('htmx:beforeSwap', (e) => {
    if (!e.detail.isError) return;
    const elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    const holder = elt && elt.closest && elt.closest('[data-error-target]');
    const slot = holder && document.querySelector(holder.getAttribute('data-error-target'));
    if (slot) {
      e.detail.target = slot;
      e.detail.shouldSwap = true;
      return;
    }
    const target = e.detail.target;
    const quiet = elt && elt.closest && elt.closest('[data-errors-as-toast]');
    if (quiet || (target && target.matches('#board-live, #panel, #modal, #entries, [data-errors-as-toast]'))) {
      e.detail.shouldSwap = false;
      cadre.toast(textOf(e.detail.xhr.responseText) || 'Request failed (' + e.detail.xhr.status + ')', 'error');
    }
  });

  document.addEventListener('htmx:sendError', () => {
    cadre.toast('cadre is not reachable: is `cadre serve` still running?', 'error');
  });

  // A toast goes away when clicked.
  document.addEventListener('click', (e) => {
    const toast = e.target.closest('.toast');
    if (toast) toast.remove();
  });

  // Successful form posts: clear error slots, close their dialog, reset them.
  document.addEventListener('htmx:afterRequest', (e) => {
    const elt = e.detail.elt;
    if (!e.detail.successful || !elt || !elt.closest) return;
    const form = elt.closest('form');
    if (!form) return;
    const slot = form.getAttribute('data-error-target');
    if (slot && document.querySelector(slot)) document.querySelector(slot).textContent = '';
    if (form.hasAttribute('data-close-dialog-on-success')) {
      const dialog = form.closest('dialog');
      if (dialog) dialog.close();
    }
    if (form.hasAttribute('data-reset-on-success')) form.reset();
  });

  // Dialogs: content loaded into #modal opens it; [data-open-dialog] opens a
  // static one; [data-close-dialog] closes its own.
  document.addEventListener('htmx:afterSwap', (e) => {
    const target = e.detail.target;
    if (target && target.id === 'modal' && !target.open && target.firstElementChild) {
      target.showModal();
    }
  });
  document.addEventListener('close', (e) => {
    if (e.target && e.target.id === 'modal') e.target.replaceChildren();
  }, true);
  document.addEventListener('click', (e) => {
    const opener = e.target.closest('[data-open-dialog]');
    if (opener) {
      const dialog = document.getElementById(opener.getAttribute('data-open-dialog'));
      if (dialog && !dialog.open) dialog.showModal();
      return;
    }
    const closer = e.target.closest('[data-close-dialog]');
    if (closer) {
      const dialog = closer.closest('dialog');
      if (dialog) dialog.close();
    }
  });

  // The project switcher navigates; its last option adds a project.
  document.addEventListener('change', (e) => {
    if (e.target.id !== 'project-switcher') return;
    const key = e.target.value;
    window.location.href = key ? '/p/' + encodeURIComponent(key) : '/?add=1';
  });

  // Times arrive in UTC; show them in the reader's zone.
  function localizeTimes(root) {
    root.querySelectorAll('time[datetime]:not([data-local])').forEach((t) => {
      const d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d)) {
        t.textContent = d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
        t.title = t.getAttribute('datetime');
        t.dataset.local = '1';
      }
    });
  }
  document.addEventListener('htmx:load', (e) => localizeTimes(e.detail.elt));

  // ---------- desktop notifications ----------
  const NOTIFY_KEY = 'cadre.notify';
  const SOUND_KEY = 'cadre.sound';
  const notified = new Set();

  function notifyEnabled() {
    return 'Notification' in window && Notification.permission === 'granted' && localStorage.getItem(NOTIFY_KEY) === '1';
  }

  function syncNotifyButton() {
    const button = document.getElementById('notify-toggle');
    if (button) button.setAttribute('aria-pressed', notifyEnabled() ? 'true' : 'false');
    const sound = document.getElementById('sound-toggle');
    if (sound) sound.setAttribute('aria-pressed', localStorage.getItem(SOUND_KEY) === '1' ? 'true' : 'false');
  }

  document.addEventListener('click', (e) => {
    if (e.target.closest('#notify-toggle')) {
      if (!('Notification' in window)) {
        cadre.toast('This browser cannot show desktop notifications.', 'error');
        return;
      }
      if (notifyEnabled()) {
        localStorage.setItem(NOTIFY_KEY, '0');
        syncNotifyButton();
        cadre.toast('Desktop notifications off.');
        return;
      }
      Notification.requestPermission().then((permission) => {
        localStorage.setItem(NOTIFY_KEY, permission === 'granted' ? '1' : '0');
        syncNotifyButton();
        cadre.toast(permission === 'granted'
          ? 'You will be notified when an attempt finishes, fails or needs attention.'
          : 'Notifications are blocked for this site in the browser settings.');
      });
    } else if (e.target.closest('#sound-toggle')) {
      localStorage.setItem(SOUND_KEY, localStorage.getItem(SOUND_KEY) === '1' ? '0' : '1');
      syncNotifyButton();
    }
  });

  function beep() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.35);
    } catch (_) { /* no audio: nothing to do */ }
  }

  const ATTENTION = { succeeded: 'finished', failed: 'failed', interrupted: 'was interrupted', stopped: 'stopped' };

  /** Tells the user an attempt settled; `attempt` is an event's payload. */
  cadre.attemptSettled = function (attempt) {
    if (!attempt || !attempt.id || !ATTENTION[attempt.status]) return;
    const id = attempt.id + ':' + attempt.status;
    if (notified.has(id)) return;
    notified.add(id);
    const what = attempt.agent + ' ' + ATTENTION[attempt.status];
    const detail = attempt.failure_reason || attempt.summary || '';
    if (localStorage.getItem(SOUND_KEY) === '1') beep();
    if (notifyEnabled() && document.visibilityState !== 'visible') {
      const n = new Notification('cadre: ' + what, { body: detail.slice(0, 200), tag: id });
      n.onclick = () => { window.focus(); window.location.href = '/a/' + attempt.id; };
    } else {
      cadre.toast('Attempt: ' + what + (detail ? ' — ' + detail.slice(0, 140) : ''), attempt.status === 'succeeded' ? 'ok' : 'error');
    }
  };

  // The board stream says `attempt.completed` once per finished run. The attempt
  // stream sends every event of its attempt as `attempt.status` with the attempt
  // as payload, so a run's end is a change from a live status to a settled one.
  const lastStatus = {};
  document.addEventListener('htmx:sseMessage', (e) => {
    const msg = e.detail;
    if (!msg || !['attempt.completed', 'attempt.status'].includes(msg.type)) return;
    let data = null;
    try { data = JSON.parse(msg.data); } catch (_) { return; }
    if (msg.type === 'attempt.completed') {
      cadre.attemptSettled(data.payload);
      return;
    }
    if (!data || !data.id || !data.status) return;
    const shown = document.querySelector('[data-attempt-status]');
    const before = lastStatus[data.id] || (shown && shown.dataset.attemptStatus);
    lastStatus[data.id] = data.status;
    if (before && !ATTENTION[before] && ATTENTION[data.status]) cadre.attemptSettled(data);
  });

  // ---------- keyboard ----------
  function typing(target) {
    return target.closest('input, textarea, select, [contenteditable=""], [contenteditable=true]');
  }

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (document.querySelector('dialog[open]')) return;
    if (e.key === 'Escape') {
      if (keyHandlers.Escape && keyHandlers.Escape(e) !== false) e.preventDefault();
      return;
    }
    if (typing(e.target)) return;
    if (e.key === '?') {
      e.preventDefault();
      document.getElementById('help-dialog').showModal();
      return;
    }
    const handler = keyHandlers[e.key];
    if (handler && handler(e) !== false) e.preventDefault();
  });

  document.addEventListener('DOMContentLoaded', () => {
    localizeTimes(document);
    syncNotifyButton();
  });
})();
