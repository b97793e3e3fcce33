// Keystroke capture for the skills tests (typing, 10-key entry, adding-machine drill).
//
// Records every keydown/keyup with event.timeStamp, keeps the entry area to what the
// server can rebuild from the log (the same acceptance rules as skills_tests/: caret
// always at the end, only the test's keys), and sends numbered batches to the server
// about every second. A batch stays queued until the server has acknowledged it, so a
// dropped connection loses nothing; when the page is hidden the queue goes out as beacons.
//
// An exam page may give ``afterUrl`` (where to go when the test ends, instead of the result)
// and ``resume`` (an attempt HR let continue after an interruption: its next batch number,
// last stored time stamp, timer start and text). A resumed page keeps the stored clock: its
// first key is stamped just after the last stored one, and the timer, paused until then,
// goes on from the time already used.
(function () {
  'use strict';

  const BLOCKED_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End',
    'PageUp', 'PageDown', 'Delete', 'Insert', 'Tab', 'Clear']);
  const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock', 'NumLock']);
  const KEYPAD = 3;  // KeyboardEvent.location of numeric-keypad keys

  const modified = (e) => e.ctrlKey || e.metaKey || e.altKey;
  // skills_tests.keystrokes.KeyEvent.edits_text: starts the timer.
  const editsText = (e) => !modified(e) && (e.key.length === 1 || e.key === 'Enter' || e.key === 'Backspace');

  // The rules of each test, mirroring skills_tests/ (tenkey_accepts, drill tape rules).
  const KINDS = {
    typing: {
      refuse(e) { return editsText(e) ? null : ''; },
      completed(value, cfg) {
        const typed = value.split(/\s+/).filter(Boolean);
        const source = cfg.sourceWords;
        return typed.length >= source.length && typed[typed.length - 1] === source[source.length - 1];
      },
    },
    tenkey: {
      refuse(e, value, cfg) {
        if (modified(e)) return '';
        if (e.key === 'Backspace') return value.endsWith('\n') || !value ? '' : null;  // a submitted entry is final
        if (e.key === 'Enter') return null;
        if (/^[0-9.]$/.test(e.key)) return cfg.keypadOnly && e.location !== KEYPAD ? 'keypad' : null;
        return '';
      },
      completed(value, cfg) { return (value.match(/\n/g) || []).length >= cfg.itemCount; },
    },
    drill: {
      refuse(e, value, cfg) {
        if (modified(e)) return '';
        if (/[=\n]$/.test(value)) return '';  // the batch is totalled
        const amount = value.split(/[+\-]/).pop();
        if (e.key === 'Backspace') return amount ? null : '';
        const key = e.key === 'Enter' ? '\n' : e.key;
        if (!/^[0-9.+\-=\n]$/.test(key)) return '';
        if (key !== '\n' && cfg.keypadOnly && e.location !== KEYPAD) return 'keypad';
        if (/[0-9]/.test(key)) return /\.\d\d$/.test(amount) ? '' : null;
        if (key === '.') return amount.includes('.') ? '' : null;
        if (key === '+' || key === '-') return /[0-9]/.test(amount) ? null : '';
        return amount ? 'add-first' : null;  // "=" or Enter: total
      },
      completed(value) { return /[=\n]$/.test(value); },
    },
  };

  // Cents on an adding-machine tape: exact integers, never floating point.
  function tapeCents(value) {
    let total = 0;
    for (const m of value.matchAll(/([0-9]*\.?[0-9]*)([+\-])/g)) {
      const [whole, frac = ''] = m[1].split('.');
      const cents = Number(whole || 0) * 100 + Number((frac + '00').slice(0, 2));
      total += m[2] === '+' ? cents : -cents;
    }
    return total;
  }

  function money(cents) {
    const sign = cents < 0 ? '-' : '';
    const abs = Math.abs(cents);
    return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
  }

  function start(cfg) {
    const $ = (id) => (id ? document.getElementById(id) : null);
    const area = $(cfg.areaId);
    const timerEl = $(cfg.timerId);
    const speedEl = $(cfg.speedId);
    const statusEl = $(cfg.statusId);
    const finishBtn = $(cfg.finishId);
    const itemsEl = $(cfg.itemsId);
    const totalEl = $(cfg.totalId);
    if (!area || area.dataset.captureStarted) return;
    area.dataset.captureStarted = '1';
    const kind = KINDS[cfg.kind];
    cfg.sourceWords = (cfg.sourceText || '').split(/\s+/).filter(Boolean);

    const url = `/api/attempts/${cfg.attemptId}`;
    const resume = cfg.resume || null;
    let pending = [];        // events not yet in a batch
    let incidents = [];      // paste, focus loss... not yet in a batch
    const queue = [];        // batches waiting for the server's acknowledgement
    let nextSeq = resume ? resume.seq : 0;
    let inFlight = false;
    let lastT = resume ? resume.lastT : 0;  // batches must be in time order, whatever the event queue did
    let startT = resume ? resume.startT : null;  // clock (ms) of the first keystroke that changed the text
    let offset = resume ? null : 0;  // added to the page clock; a resumed page sets it at its first key
    let paused = !!resume;   // a resumed timer waits for the first key
    let ended = false;

    function stamp(t) {
      if (offset === null) offset = resume.lastT + (resume.gapMs || 0) - t;
      return t + offset;
    }
    function now() { return performance.now() + (offset || 0); }

    function say(text, level) {
      statusEl.textContent = text;
      statusEl.dataset.kind = level || 'info';
    }

    function record(e) {
      lastT = Math.max(lastT, stamp(e.timeStamp));
      pending.push({
        type: e.type === 'keydown' ? 'down' : 'up', key: e.key.slice(0, 32), code: (e.code || '').slice(0, 32),
        loc: e.location, t: lastT, shift: e.shiftKey, ctrl: e.ctrlKey, alt: e.altKey,
        meta: e.metaKey, repeat: e.repeat, field: e.target === area,
      });
    }

    function incident(name, detail) {
      incidents.push({ kind: name, t: Math.max(0, now()), detail: (detail || '').slice(0, 200) });
    }

    function caretToEnd() {
      const n = area.value.length;
      if (area.selectionStart !== n || area.selectionEnd !== n) area.setSelectionRange(n, n);
    }

    function hint(reason, e) {
      if (e.location === KEYPAD && BLOCKED_KEYS.has(e.key)) {
        say('NumLock is off: the keypad is sending arrow keys. Press NumLock once, then go on.', 'warn');
      } else if (reason === 'keypad') {
        say('Please use the numeric keypad for numbers (the digits above the letters are not accepted).', 'warn');
      } else if (reason === 'add-first') {
        say('Add the amount with + (or take it off with -) before totalling.', 'warn');
      }
    }

    function showProgress() {
      const value = area.value;
      if (itemsEl) {
        const current = (value.match(/\n/g) || []).length;
        const previous = itemsEl.querySelector('.current');
        if (previous) previous.classList.remove('current');
        const row = itemsEl.querySelector(`[data-i="${current}"]`);
        if (row) {
          row.classList.add('current');
          itemsEl.scrollTop = row.offsetTop - itemsEl.offsetTop - itemsEl.clientHeight / 3;
        }
      }
      if (totalEl) totalEl.textContent = money(tapeCents(value));
    }

    document.addEventListener('keydown', (e) => {
      if (ended) { if (e.target === area) e.preventDefault(); return; }
      record(e);
      if (e.target !== area) return;
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); finish('early'); return; }
      if (MODIFIERS.has(e.key)) return;
      caretToEnd();
      const reason = kind.refuse(e, area.value, cfg);
      if (reason !== null) {
        e.preventDefault();
        if (modified(e) && e.key.toLowerCase() === 'v') incident('paste', 'keyboard shortcut');
        hint(reason, e);
      } else if (statusEl.dataset.kind === 'warn') {
        say('The timer is running.', 'info');
      }
      if (startT === null && editsText(e)) {
        startT = lastT;
        paused = false;
        say('The timer is running.', 'info');
      } else if (paused && editsText(e)) {
        paused = false;
        say('The timer is running.', 'info');
      }
    }, true);

    document.addEventListener('keyup', (e) => { if (!ended) record(e); }, true);

    for (const name of ['paste', 'drop', 'cut']) {
      area.addEventListener(name, (e) => {
        e.preventDefault();
        if (name !== 'cut') incident(name);
        say('Pasting is not allowed in this test. Please key it in.', 'warn');
      });
    }
    area.addEventListener('beforeinput', (e) => {
      // Only plain keying changes the text: no autocorrect, suggestions or replacements.
      const allowed = ['insertText', 'insertLineBreak', 'insertParagraph', 'deleteContentBackward'];
      if (!allowed.includes(e.inputType)) e.preventDefault();
    });
    for (const name of ['click', 'mouseup', 'select', 'focus']) area.addEventListener(name, caretToEnd);
    area.addEventListener('input', () => {
      caretToEnd();
      showProgress();
      if (kind.completed(area.value, cfg)) finish('completed');
    });
    window.addEventListener('blur', () => { if (startT !== null && !ended) incident('focus_lost'); });
    window.addEventListener('focus', () => { if (startT !== null && !ended) incident('focus_back'); });

    function cutBatch() {
      if (!pending.length && !incidents.length) return;
      queue.push({ token: cfg.token, seq: nextSeq++, events: pending, incidents: incidents, text: area.value });
      pending = [];
      incidents = [];
    }

    async function pump() {
      if (inFlight || !queue.length) return;
      inFlight = true;
      const batch = queue[0];
      try {
        const response = await fetch(`${url}/keystrokes`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(batch), keepalive: true,
        });
        const answer = await response.json().catch(() => ({}));
        if (response.ok || (response.status === 409 && answer.duplicate)) {
          queue.shift();
          if (statusEl.dataset.kind === 'offline') say('Connection is back. Everything you keyed is saved.', 'info');
        } else {
          say(`Your keystrokes could not be saved: ${answer.detail || response.status}. Please tell the person running the test.`, 'error');
        }
      } catch (err) {
        say('The connection to the server is interrupted. Keep going: everything is kept and sent when it returns.', 'offline');
      } finally {
        inFlight = false;
      }
    }

    function tick() {
      if (startT === null || ended || paused) return;
      const elapsed = (now() - startT) / 1000;
      const left = Math.max(0, cfg.durationS - elapsed);
      timerEl.textContent = `${Math.floor(left / 60)}:${String(Math.floor(left % 60)).padStart(2, '0')}`;
      if (speedEl && elapsed >= 2) {
        const chars = area.value.replace(/\s+$/, '').length;
        speedEl.textContent = cfg.kind === 'typing'
          ? `${Math.round(chars / 5 / (elapsed / 60))} WPM`
          : `${Math.round(chars * 3600 / elapsed).toLocaleString('en-US')} KPH`;
      }
      if (left <= 0) finish('time');
    }

    setInterval(tick, 100);
    setInterval(() => { cutBatch(); pump(); }, 1000);

    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState !== 'hidden' || ended) return;
      if (startT !== null) incident('page_hidden');
      cutBatch();
      // Beacons are delivered even when the page is closing; duplicates are harmless.
      for (const batch of queue) navigator.sendBeacon(`${url}/keystrokes`, new Blob([JSON.stringify(batch)], { type: 'application/json' }));
    });

    async function finish(reason) {
      if (ended) return;
      ended = true;
      area.readOnly = true;
      if (finishBtn) finishBtn.disabled = true;
      const words = { time: 'Time is up.', completed: 'Done: that was the last one.', early: 'You finished.' }[reason];
      say(`${words} Saving...`, 'info');
      cutBatch();
      for (let tries = 0; queue.length && tries < 600; tries++) {
        await pump();
        if (queue.length) await new Promise((r) => setTimeout(r, 500));
      }
      for (;;) {
        try {
          const response = await fetch(`${url}/finish`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ token: cfg.token, reason: reason }),
          });
          const answer = await response.json();
          if (response.ok) { window.location.href = cfg.afterUrl || answer.result_url; return; }
          say(`The result could not be computed: ${answer.detail}. Please tell the person running the test.`, 'error');
          return;
        } catch (err) {
          say('Waiting for the connection to the server to save your result...', 'offline');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }

    if (finishBtn) finishBtn.addEventListener('click', () => { if (startT !== null) finish('early'); else area.focus(); });
    if (resume) area.value = resume.text || '';  // what the stored keystrokes rebuild
    area.readOnly = false;
    area.focus();
    showProgress();
    say(cfg.readyText, 'info');
  }

  window.KeystrokeCapture = { start: start };
})();
