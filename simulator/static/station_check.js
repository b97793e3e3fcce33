// The station check page: records every keydown and keyup with the browser's time stamp, its
// location (3 = numeric keypad) and NumLock, and sends them in numbered batches until the
// server has acknowledged each one. It says "ready" once the entry box has the keyboard.
(function () {
  'use strict';

  function start(cfg) {
    const area = document.getElementById(cfg.areaId);
    const count = document.getElementById(cfg.countId);
    if (!area || area.dataset.stationStarted) return;
    area.dataset.stationStarted = '1';
    const url = `/api/station-checks/${cfg.checkId}/events`;
    let pending = [];
    const queue = [];
    let nextSeq = 0;
    let inFlight = false;
    let readySent = false;
    let downs = 0;

    function record(e) {
      pending.push({
        type: e.type === 'keydown' ? 'down' : 'up', key: e.key.slice(0, 32), code: (e.code || '').slice(0, 32),
        loc: e.location, t: e.timeStamp, numlock: !!(e.getModifierState && e.getModifierState('NumLock')),
      });
      if (e.type === 'keydown') {
        downs += 1;
        if (count) count.textContent = `${downs} key${downs === 1 ? '' : 's'} received`;
      }
    }

    document.addEventListener('keydown', (e) => {
      record(e);
      if (e.key === 'Tab' || e.key.startsWith('Arrow') || e.ctrlKey || e.altKey || e.metaKey) e.preventDefault();
    }, true);
    document.addEventListener('keyup', record, true);

    function hasKeyboard() { return document.hasFocus() && document.activeElement === area; }

    function cut() {
      const ready = !readySent && hasKeyboard();
      if (!pending.length && !ready) return;
      queue.push({ token: cfg.token, seq: nextSeq++, events: pending, ready: ready });
      if (ready) readySent = true;
      pending = [];
    }

    async function pump() {
      if (inFlight || !queue.length) return;
      inFlight = true;
      try {
        const response = await fetch(url, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(queue[0]),
        });
        const answer = await response.json().catch(() => ({}));
        if (response.ok || (response.status === 409 && answer.duplicate)) queue.shift();
      } catch (err) {
        // kept in the queue and sent again
      } finally {
        inFlight = false;
      }
    }

    setInterval(() => { cut(); pump(); }, 200);
    area.focus();
  }

  window.StationCheck = { start: start };
})();
