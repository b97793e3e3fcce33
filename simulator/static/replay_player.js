// The keystroke replay player for HR: plays an attempt back at real speed (or 2x, 4x) from its
// frames, one per keydown: [t_ms, key, keep, add, refused, late], where the entry area after the
// key is the previous text's first `keep` characters followed by `add`.
(function () {
  'use strict';

  const SPEEDS = [1, 2, 4];
  const STRIP = 24;  // keys shown in the key strip

  function clock(ms) {
    const s = Math.max(0, ms) / 1000;
    return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
  }

  function keyLabel(key) {
    return { ' ': 'space', 'Enter': '\u23ce', 'Backspace': '\u232b' }[key] || key;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function start(cfg) {
    const root = document.getElementById(cfg.rootId);
    if (!root || root.dataset.replayStarted) return;
    root.dataset.replayStarted = '1';
    const data = cfg.data;
    const frames = data.frames;
    const texts = [];  // the entry area after each frame
    let text = '';
    for (const f of frames) { text = text.slice(0, f[2]) + f[3]; texts.push(text); }
    const end = Math.max(frames.length ? frames[frames.length - 1][0] : 0, 0);

    const controls = el('div', { class: 'replay-controls', role: 'group', 'aria-label': 'Replay controls' });
    const play = el('button', { type: 'button', class: 'replay-play', 'data-testid': 'replay-play' }, 'Play');
    controls.appendChild(play);
    const speedButtons = SPEEDS.map((s) => {
      const b = el('button', { type: 'button', class: 'replay-speed', 'aria-pressed': String(s === 1),
        'data-speed': String(s) }, `${s}x`);
      controls.appendChild(b);
      return b;
    });
    const slider = el('input', { type: 'range', min: '0', max: String(Math.ceil(end)), step: '10', value: '0',
      class: 'replay-slider', 'aria-label': 'Position in the attempt' });
    controls.appendChild(slider);
    const time = el('span', { class: 'replay-time', 'aria-live': 'off' });
    controls.appendChild(time);
    root.appendChild(controls);

    const view = el('div', { class: 'replay-view' });
    root.appendChild(view);
    let textBox = null;
    let entryRows = null;
    if (data.test === 'tenkey') {
      const table = el('table', { class: 'replay-entries' });
      const head = el('tr');
      for (const h of ['#', 'Printed', 'Keyed', '']) head.appendChild(el('th', {}, h));
      table.appendChild(head);
      entryRows = (data.items || []).map((item, i) => {
        const row = el('tr');
        row.appendChild(el('td', { class: 'n' }, String(i + 1)));
        row.appendChild(el('td', {}, item));
        row.appendChild(el('td', { class: 'keyed' }, ''));
        row.appendChild(el('td', { class: 'mark' }, ''));
        table.appendChild(row);
        return row;
      });
      view.appendChild(table);
    } else {
      textBox = el('div', { class: 'replay-text', 'aria-label': 'What was typed' });
      view.appendChild(textBox);
    }
    const strip = el('div', { class: 'replay-strip', 'aria-label': 'The last keys pressed' });
    root.appendChild(strip);
    const note = el('div', { class: 'replay-note' });
    root.appendChild(note);

    let pos = 0;
    let speed = 1;
    let playing = false;
    let lastTick = null;

    function frameAt(ms) {  // the last frame at or before ms (-1: none yet)
      let lo = 0, hi = frames.length - 1, found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (frames[mid][0] <= ms) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      return found;
    }

    function render() {
      const i = frameAt(pos);
      const current = i >= 0 ? texts[i] : '';
      time.textContent = `${clock(pos)} / ${clock(end)}`;
      slider.value = String(Math.round(pos));
      if (textBox) {
        textBox.textContent = current;
        textBox.appendChild(el('span', { class: 'replay-caret' }, '\u2502'));
      } else if (entryRows) {
        const entries = current.split('\n');
        entryRows.forEach((row, n) => {
          const keyed = n < entries.length ? entries[n] : '';
          const done = n < entries.length - 1;
          row.children[2].textContent = keyed;
          row.children[3].textContent = done ? (keyed === data.items[n] ? '\u2713' : '\u2717') : '';
          row.className = done ? (keyed === data.items[n] ? 'ok' : 'wrong') : (n === entries.length - 1 ? 'current' : '');
        });
      }
      strip.textContent = '';
      for (let k = Math.max(0, i - STRIP + 1); k <= i; k++) {
        const f = frames[k];
        const cls = f[5] ? 'key late' : (f[4] ? 'key refused' : 'key');
        const title = f[5] ? 'after time ran out: not counted' : (f[4] ? 'refused: changed nothing' : '');
        strip.appendChild(el('span', { class: cls, title: title }, keyLabel(f[1])));
      }
      const f = i >= 0 ? frames[i] : null;
      note.textContent = f && f[4] ? `Key "${keyLabel(f[1])}" was refused (it changed nothing).`
        : (f && f[5] ? 'Keys after time ran out are shown but not counted.' : '');
    }

    function tick(now) {
      if (!playing) return;
      if (lastTick !== null) pos = Math.min(end, pos + (now - lastTick) * speed);
      lastTick = now;
      render();
      if (pos >= end) { setPlaying(false); return; }
      requestAnimationFrame(tick);
    }

    function setPlaying(on) {
      playing = on && frames.length > 0;
      play.textContent = playing ? 'Pause' : (pos >= end && end > 0 ? 'Play again' : 'Play');
      lastTick = null;
      if (playing) {
        if (pos >= end) pos = 0;
        requestAnimationFrame(tick);
      }
    }

    play.addEventListener('click', () => setPlaying(!playing));
    speedButtons.forEach((b) => b.addEventListener('click', () => {
      speed = Number(b.dataset.speed);
      speedButtons.forEach((o) => o.setAttribute('aria-pressed', String(o === b)));
    }));
    slider.addEventListener('input', () => { pos = Number(slider.value); lastTick = null; render(); });
    root.addEventListener('keydown', (e) => {
      if (e.key === ' ' && e.target.tagName !== 'BUTTON') { e.preventDefault(); setPlaying(!playing); }
    });
    render();
    window.replayPlayer = { seek(ms) { pos = Math.max(0, Math.min(end, ms)); render(); },
      play() { setPlaying(true); }, pause() { setPlaying(false); }, get position() { return pos; } };
  }

  window.ReplayPlayer = { start: start };
})();
