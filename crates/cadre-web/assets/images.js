// Image attachments for the forms that take them (the follow-up composer, the
// start-attempt dialog): a picker button, pasting from the clipboard and dropping
// files on the form's zone, thumbnails (object URLs) with a remove button each,
// and at most four images. The chosen images live in the picker's
// <input type=file>, so the form posts them like any file field (htmx sends it as
// multipart); the server checks them again.
(function () {
  'use strict';

  /** As many as the server accepts in one request. */
  const MAX_IMAGES = 4;
  /** The server's per-image limit. */
  const MAX_BYTES = 5 * 1024 * 1024;
  const TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

  /** The images each picker holds, by picker element. */
  const chosen = new WeakMap();

  function filesOf(picker) {
    if (!chosen.has(picker)) chosen.set(picker, []);
    return chosen.get(picker);
  }

  function say(picker, message) {
    const note = picker.querySelector('[data-image-note]');
    if (note) note.textContent = message || '';
  }

  /** Shows the images as thumbnails and puts them in the file input. */
  function render(picker) {
    const files = filesOf(picker);
    const input = picker.querySelector('input[type=file]');
    const list = picker.querySelector('[data-image-previews]');
    const transfer = new DataTransfer();
    files.forEach((f) => transfer.items.add(f.file));
    input.files = transfer.files;
    list.querySelectorAll('img').forEach((img) => URL.revokeObjectURL(img.src));
    list.replaceChildren();
    files.forEach((f, i) => {
      const item = document.createElement('li');
      item.className = 'image-preview';
      const img = document.createElement('img');
      img.src = URL.createObjectURL(f.file);
      img.alt = 'Image ' + (i + 1) + ': ' + f.file.name;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'image-remove';
      remove.dataset.imageRemove = String(i);
      remove.setAttribute('aria-label', 'Remove image ' + (i + 1) + ' (' + f.file.name + ')');
      remove.textContent = '×';
      item.append(img, remove);
      list.appendChild(item);
    });
    list.hidden = files.length === 0;
    const pick = picker.querySelector('[data-image-pick]');
    if (pick) pick.disabled = files.length >= MAX_IMAGES;
  }

  /** Adds what can be added of `incoming` (Files), saying why the rest was not. */
  function add(picker, incoming) {
    const files = filesOf(picker);
    const refused = [];
    Array.from(incoming).forEach((file) => {
      if (!TYPES.includes(file.type)) {
        refused.push(file.name + ' is not a PNG, JPEG, WebP or GIF image');
      } else if (file.size > MAX_BYTES) {
        refused.push(file.name + ' is over 5 MiB');
      } else if (files.length >= MAX_IMAGES) {
        refused.push(file.name + ' is one too many: at most ' + MAX_IMAGES + ' images');
      } else {
        files.push({ file: file });
      }
    });
    say(picker, refused.join('; '));
    render(picker);
  }

  function clear(picker) {
    filesOf(picker).length = 0;
    say(picker, '');
    render(picker);
  }

  function pickerIn(elt) {
    const zone = elt && elt.closest && elt.closest('[data-image-drop]');
    return zone && zone.querySelector('[data-image-picker]');
  }

  function hasFiles(e) {
    return e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
  }

  function key(file) {
    return [file.name, file.size, file.lastModified, file.type].join('/');
  }

  // The file input's own choice is added to what was there (a second pick adds
  // more instead of replacing the first); files it still lists from before are
  // not added twice.
  document.addEventListener('change', (e) => {
    const input = e.target;
    if (!input.matches || !input.matches('[data-image-picker] input[type=file]')) return;
    const picker = input.closest('[data-image-picker]');
    const have = new Set(filesOf(picker).map((f) => key(f.file)));
    add(picker, Array.from(input.files).filter((f) => !have.has(key(f))));
  });

  document.addEventListener('click', (e) => {
    const pick = e.target.closest('[data-image-pick]');
    if (pick) {
      pick.closest('[data-image-picker]').querySelector('input[type=file]').click();
      return;
    }
    const remove = e.target.closest('[data-image-remove]');
    if (remove) {
      const picker = remove.closest('[data-image-picker]');
      filesOf(picker).splice(+remove.dataset.imageRemove, 1);
      say(picker, '');
      render(picker);
      const next = picker.querySelector('[data-image-remove]') || picker.querySelector('[data-image-pick]');
      if (next) next.focus();
    }
  });

  document.addEventListener('paste', (e) => {
    const picker = pickerIn(e.target);
    if (!picker || !e.clipboardData) return;
    const images = Array.from(e.clipboardData.files || []).filter((f) => f.type.startsWith('image/'));
    if (!images.length) return;
    // A screenshot pastes as an image only; text copied with images stays text.
    if (!e.clipboardData.types.includes('text/plain')) e.preventDefault();
    add(picker, images);
  });

  document.addEventListener('dragover', (e) => {
    const picker = pickerIn(e.target);
    if (!picker || !hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    picker.closest('[data-image-drop]').classList.add('dropping');
  });

  document.addEventListener('dragleave', (e) => {
    const zone = e.target.closest && e.target.closest('[data-image-drop]');
    if (zone && !zone.contains(e.relatedTarget)) zone.classList.remove('dropping');
  });

  document.addEventListener('drop', (e) => {
    const picker = pickerIn(e.target);
    if (!picker || !hasFiles(e)) return;
    e.preventDefault();
    picker.closest('[data-image-drop]').classList.remove('dropping');
    add(picker, e.dataTransfer.files);
  });

  // A form that is reset after a successful post forgets its images.
  document.addEventListener('reset', (e) => {
    const picker = e.target.querySelector && e.target.querySelector('[data-image-picker]');
    if (picker) setTimeout(() => clear(picker), 0);
  }, true);
})();
