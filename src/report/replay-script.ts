// The replay's inline script (plain browser JavaScript, no framework): it reads the JSON that
// ./replay.ts embeds and shows the moment the scrubber points at. Kept as text: the page carries
// it, the simulator never runs it.
export const REPLAY_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('replay-data').textContent);
  var el = function (id) { return document.getElementById(id); };
  var range = el('rp-t'), playBtn = el('rp-play'), speedSel = el('rp-speed'), clock = el('rp-clock');
  var nodes = Array.prototype.slice.call(document.querySelectorAll('#rp-diagram .rp-node'));
  var edges = Array.prototype.slice.call(document.querySelectorAll('#rp-diagram .rp-edge'));
  var faultItems = Array.prototype.slice.call(document.querySelectorAll('#rp-faults li'));
  var boxW = {};
  nodes.forEach(function (g) { boxW[g.getAttribute('data-node')] = Number(g.querySelector('.rp-box').getAttribute('width')); });
  var t = 0, playing = false, last = 0;
  // about twenty seconds for the whole run at 1x, whatever its simulated length
  var base = D.end_ms / 20000;

  function fmtT(ms) { return ms >= 10000 ? (ms / 1000).toFixed(2) + ' s' : ms.toFixed(ms < 10 ? 2 : 0) + ' ms'; }
  function fmtN(v) { return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function fmtK(v) { v = Math.round(v); return v < 1000 ? String(v) : v < 1e6 ? (v / 1e3).toFixed(v < 1e4 ? 1 : 0) + 'k' : (v / 1e6).toFixed(1) + 'M'; }
  function binAt(ms) { return Math.max(0, Math.min(D.bins - 1, Math.floor(ms / D.bin_ms))); }

  // each node's and link's state at time ms, from the faults applied so far
  function states(ms) {
    var st = {};
    var now = -1;
    D.faults.forEach(function (f, i) {
      if (f.at_ms > ms) return;
      now = i;
      var ends = / ends$/.test(f.action);
      var a = f.action.replace(/ ends$/, '');
      var s = ends || a === 'recover' || a === 'up' ? 'up' : a === 'kill' || a === 'stop' || a === 'restart' || a === 'down' ? 'down' : a === 'slow' ? 'slow' : a === 'partition' ? 'cut' : a === 'drop' ? 'lossy' : 'up';
      f.target.split('+').forEach(function (n) { st[n] = s; });
    });
    return { st: st, now: now };
  }

  function vipAt(ms) {
    var holders = {};
    D.vip.forEach(function (v) { if (v.from_ms <= ms && ms < v.to_ms) holders[v.director] = true; });
    return holders;
  }

  function statText(tier, series, i) {
    var perS = 1000 / D.bin_ms;
    if (!series) return '';
    if (tier === 'nginx' || tier === 'lvs') return fmtK(series.done[i] * perS) + '/s, ' + fmtK(series.queue[i]) + ' held';
    return Math.round(series.busy[i] * 100) + '%, q ' + (series.queue[i] < 10 ? series.queue[i].toFixed(1) : fmtK(series.queue[i]));
  }

  function showNodes(i, st, vip) {
    nodes.forEach(function (g) {
      var name = g.getAttribute('data-node'), tier = g.getAttribute('data-tier');
      var series = D.nodes[name];
      var s = st[name] || 'up';
      g.setAttribute('class', 'rp-node' + (s === 'up' || s === 'lossy' ? '' : ' ' + s) + (vip[name] ? ' vip' : ''));
      var busy = series ? Math.min(1, series.busy[i]) : 0;
      var bar = g.querySelector('.rp-busy');
      bar.setAttribute('width', String(Math.round(busy * boxW[name] * 10) / 10));
      bar.setAttribute('fill', busy >= 0.9 ? '#d55e00' : busy >= 0.5 ? '#e69f00' : '#009e73');
      var stat = g.querySelector('.rp-stat');
      var text = s === 'down' ? 'down' : s === 'cut' ? 'cut off' : tier === 'users' ? fmtK(D.arrivals[i] * 1000 / D.bin_ms) + ' req/s' : statText(tier, series, i);
      if (stat) stat.textContent = text;
      g.querySelector('title').textContent = name + ': ' + text + (s === 'slow' ? ' (slowed)' : '') + (vip[name] ? ' (holds the VIP)' : '');
    });
  }

  function showEdges(st) {
    edges.forEach(function (e) {
      var a = e.getAttribute('data-a'), b = e.getAttribute('data-b');
      var down = st[a] === 'down' || st[b] === 'down' || st[a] === 'cut' || st[b] === 'cut' || st[a + '-' + b] === 'down' || st[b + '-' + a] === 'down';
      e.setAttribute('class', 'rp-edge' + (down ? ' down' : ''));
    });
  }

  function render() {
    var i = binAt(t);
    var f = states(t);
    clock.textContent = 't = ' + fmtT(t);
    range.value = String(t);
    el('rp-cursor').setAttribute('x1', String((t / D.end_ms) * 920));
    el('rp-cursor').setAttribute('x2', String((t / D.end_ms) * 920));
    var sold = D.sold[i] || 0;
    el('rp-sold').textContent = 'sold ' + fmtN(sold) + ' / ' + fmtN(D.inventory) + (sold > D.inventory ? ' (oversold ' + fmtN(sold - D.inventory) + ')' : '');
    var fill = el('rp-meter-fill');
    fill.style.width = (D.inventory > 0 ? Math.min(100, (100 * sold) / D.inventory) : 0) + '%';
    fill.className = sold > D.inventory ? 'over' : '';
    el('rp-rate').textContent = 'sent now and failing: ' + fmtK(D.failed[i] * 1000 / D.bin_ms) + '/s';
    showNodes(i, f.st, vipAt(t));
    showEdges(f.st);
    faultItems.forEach(function (li, k) { li.className = k < f.now ? 'past' : k === f.now ? 'past now' : ''; });
  }

  function frame(now) {
    if (!playing) return;
    t = Math.min(D.end_ms, t + (now - last) * base * Number(speedSel.value));
    last = now;
    if (t >= D.end_ms) setPlaying(false);
    render();
    if (playing) requestAnimationFrame(frame);
  }

  function setPlaying(on) {
    playing = on;
    playBtn.innerHTML = on ? '&#10074;&#10074; pause' : '&#9654; play';
    if (on) {
      if (t >= D.end_ms) t = 0;
      last = performance.now();
      requestAnimationFrame(frame);
    }
  }

  playBtn.addEventListener('click', function () { setPlaying(!playing); });
  range.addEventListener('input', function () { t = Number(range.value); render(); });
  speedSel.value = '1';
  render();
})();
`;
