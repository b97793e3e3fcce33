// Keystroke capture for the typing test.
// Records every keydown/keyup with event.timeStamp, keeps the typing area to what the
// server can rebuild from the log (characters, Enter, Backspace; caret always at the end),
// and sends numbered batches to the server about every second. A batch stays queued until
// the server has acknowledged it, so a dropped connection loses nothing; on page hide the
// queue goes out as beacons.
(function () {
  'use strict';

  const EDIT_KEYS = new Set(['Backspace', 'Enter']);
  const BLOCKED_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End',
    'PageUp', 'PageDown', 'Delete', 'Insert', 'Tab']);
  const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);

  function start(cfg) {
    const area = document.getElementById(cfg.areaId);
    const timerEl = document.getElementById(cfg.timerId);
    const speedEl = cfg.speedId ? document.getElementById(cfg.speedId) : null;
    const statusEl = document.getElementById(cfg.statusId);
    const finishBtn = document.getElementById(cfg.finishId);
    if (!area || area.dataset.captureStarted) return;
    area.dataset.captureStarted = '1';

    const url = `/api/attempts/${cfg.attemptId}`;
    let pending = [];        // events not yet in a batch
    let incidents = [];      // paste, focus loss... not yet in a batch
    let queue = [];          // batches waiting for the server's acknowledgement
    let nextSeq = cfg.nextSeq || 0;
    let inFlight = false;
    let startT = null;       // page clock (ms) of the first keystroke that changed the text
    let ended = false;
    let finishing = false;

    const sourceWords = cfg.sourceText.split(/\s+/).filter(Boolean);

    function say(text, kind) {
      statusEl.textContent = text;
      statusEl.dataset.kind = kind || 'info';
    }

    function editsText(e) {
      return !e.ctrlKey && !e.metaKey && !e.altKey && (e.key.length === 1 || EDIT_KEYS.has(e.key));
    }

    function record(e) {
      pending.push({
        type: e.type === 'keydown' ? 'down' : 'up', key: e.key.slice(0, 32), code: (e.code || '').slice(0, 32),
        loc: e.location, t: (record.lastT = Math.max(record.lastT || 0, e.timeStamp)), shift: e.shiftKey, ctrl: e.ctrlKey, alt: e.altKey,
        meta: e.metaKey, repeat: e.repeat, field: e.target === area,
      });
    }

    function incident(kind, detail) {
      incidents.push({ kind: kind, t: performance.now(), detail: (detail || '').slice(0, 200) });
    }

    function caretToEnd() {
      const n = area.value.length;
      if (area.selectionStart !== n || area.selectionEnd !== n) area.setSelectionRange(n, n);
    }

    document.addEventListener('keydown', (e) => {
      if (ended) { if (e.target === area) e.preventDefault(); return; }
      record(e);
      if (e.target !== area) return;
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); finish('early'); return; }
      if ((e.ctrlKey || e.metaKey || e.altKey) && !MODIFIERS.has(e.key)) {
        e.preventDefault();
        if (e.key.toLowerCase() === 'v') incident('paste', 'keyboard shortcut');
        return;
      }
      if (BLOCKED_KEYS.has(e.key)) { e.preventDefault(); return; }
      caretToEnd();
      if (startT === null && editsText(e)) {
        startT = e.timeStamp;
        say('The timer is running. Type what you see above.', 'info');
      }
    }, true);

    document.addEventListener('keyup', (e) => { if (!ended) record(e); }, true);

    for (const kind of ['paste', 'drop', 'cut']) {
      area.addEventListener(kind, (e) => { e.preventDefault(); if (kind !== 'cut') incident(kind); say('Pasting is not allowed in this test. Please type the text.', 'warn'); });
    }
    area.addEventListener('beforeinput', (e) => {
      // Only plain typing changes the text: no autocorrect, suggestions or replacements.
      const allowed = ['insertText', 'insertLineBreak', 'insertParagraph', 'deleteContentBackward'];
      if (!allowed.includes(e.inputType)) e.preventDefault();
    });
    for (const kind of ['click', 'mouseup', 'select', 'focus']) area.addEventListener(kind, caretToEnd);
    area.addEventListener('input', () => { caretToEnd(); if (completedPassage()) finish('completed'); });
    window.addEventListener('blur', () => { if (startT !== null && !ended) incident('focus_lost'); });
    window.addEventListener('focus', () => { if (startT !== null && !ended) incident('focus_back'); });

    function completedPassage() {
      const typed = area.value.split(/\s+/).filter(Boolean);
      return typed.length >= sourceWords.length && typed[typed.length - 1] === sourceWords[sourceWords.length - 1];
    }

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
          if (statusEl.dataset.kind === 'offline') say('Connection is back. Everything you typed is saved.', 'info');
        } else {
          say(`Your typing could not be saved: ${answer.detail || response.status}. Please tell the person running the test.`, 'error');
        }
      } catch (err) {
        say('The connection to the server is interrupted. Keep typing: everything is kept and sent when it returns.', 'offline');
      } finally {
        inFlight = false;
      }
    }

    function tick() {
      if (startT !== null && !ended) {
        const elapsed = (performance.now() - startT) / 1000;
        const left = Math.max(0, cfg.durationS - elapsed);
        timerEl.textContent = `${Math.floor(left / 60)}:${String(Math.floor(left % 60)).padStart(2, '0')}`;
        if (speedEl && elapsed >= 2) {
          const chars = area.value.replace(/\s+$/, '').length;
          speedEl.textContent = `${Math.round(chars / 5 / (elapsed / 60))} WPM`;
        }
        if (left <= 0) finish('time');
      }
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
      if (finishing) return;
      finishing = true;
      ended = true;
      area.readOnly = true;
      if (finishBtn) finishBtn.disabled = true;
      const words = { time: 'Time is up.', completed: 'You reached the end of the passage.', early: 'You finished.' }[reason];
      say(`${words} Saving your typing...`, 'info');
      cutBatch();
      for (let tries = 0; queue.length && tries < 600; tries++) {
        await pump();
        if (queue.length) await new Promise((r) => setTimeout(r, 500));
      }
      while (true) {
        try {
          const response = await fetch(`${url}/finish`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ token: cfg.token, reason: reason }),
          });
          const answer = await response.json();
          if (response.ok) { window.location.href = answer.result_url; return; }
          say(`The result could not be computed: ${answer.detail}. Please tell the person running the test.`, 'error');
          return;
        } catch (err) {
          say('Waiting for the connection to the server to save your result...', 'offline');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }

    if (finishBtn) finishBtn.addEventListener('click', () => { if (startT !== null) finish('early'); else area.focus(); });
    area.readOnly = false;
    area.focus();
    say(cfg.readyText, 'info');
  }

  window.TypingCapture = { start: start };
})();
