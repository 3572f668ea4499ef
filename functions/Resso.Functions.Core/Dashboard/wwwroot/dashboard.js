// The Resso dashboard: reads the API from this origin with the key the user enters, and draws it.
// No framework; charts with uPlot (vendor/). The key lives in sessionStorage and goes only in the
// x-functions-key header. Every page is a <section id="page-…"> whose data-state is loading, ready
// or error, so that people and tests can tell when what is shown is what the API said.
(() => {
  'use strict';

  const KEY_STORAGE = 'resso.dashboard.key';
  const KEY_HEADER = 'x-functions-key';
  // The cheapest keyed read, which proves the key before any page uses it.
  const KEY_CHECK = '/api/metrics/ingestion?minutes=1';
  const DAY = 86_400_000;
  const PERIODS = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '92d': 92 * DAY };
  // The options of every <select data-choices="…">: value and label.
  const CHOICES = {
    period: [['24h', 'last 24 hours'], ['7d', 'last 7 days'], ['30d', 'last 30 days'], ['92d', 'last 92 days']],
    groupBy: [['song', 'song'], ['label', 'label'], ['region', 'region'], ['video', 'video'], ['variant', 'experiment variant']],
  };
  const COLORS = ['#c2185b', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#7f7f7f', '#e377c2'];
  const numberFormat = new Intl.NumberFormat('en');

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

  function el(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') element.className = value;
      else if (name === 'text') element.textContent = value;
      else if (name.startsWith('data-')) element.setAttribute(name, String(value));
      else element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

  const formatCount = (value) => (value === null || value === undefined ? '–' : numberFormat.format(value));
  const formatRate = (value) => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(2)} %`);
  const formatRevenue = (revenue) => Object.entries(revenue ?? {}).map(([currency, amount]) => `${currency} ${amount}`).join('; ');
  const rawValue = (value) => (value === null || value === undefined ? '' : String(value));

  function formatAge(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
    if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
    return `${(seconds / 86_400).toFixed(1)} days`;
  }

  const formatTime = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:\d\dZ$/, 'Z') : '–');

  function period(name) {
    const to = new Date();
    return { from: new Date(to.getTime() - PERIODS[name]).toISOString(), to: to.toISOString() };
  }

  function query(parameters) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(parameters)) {
      if (value !== null && value !== undefined && value !== '') search.set(name, value);
    }
    return search.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // The key and the API

  class KeyRefused extends Error {}

  const storedKey = () => sessionStorage.getItem(KEY_STORAGE);

  async function api(path, { keyed = true, allow404 = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (keyed) headers[KEY_HEADER] = storedKey() ?? '';
    const response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
    if (response.status === 401) throw new KeyRefused();
    if (response.status === 404 && allow404) return null;
    if (!response.ok) {
      let detail = '';
      try {
        const problem = await response.json();
        detail = [problem.title, problem.detail].filter(Boolean).join(': ');
      } catch {
        detail = response.statusText;
      }
      const retry = response.headers.get('Retry-After');
      throw new Error(`${path.split('?')[0]} answered ${response.status}${detail ? ` (${detail})` : ''}${retry ? `; try again in ${retry} s` : ''}.`);
    }
    return response.json();
  }

  function showKeyForm(message) {
    $('#pages').hidden = true;
    $('#key-status').hidden = true;
    $('#key-form').hidden = false;
    $('#key-message').textContent = message ?? '';
    $('#key-input').value = '';
    $('#key-input').focus();
  }

  function refuseKey() {
    sessionStorage.removeItem(KEY_STORAGE);
    showKeyForm('The key was refused (401 Unauthorized). Check it and enter it again.');
  }

  async function submitKey(event) {
    event.preventDefault();
    const key = $('#key-input').value.trim();
    if (!key) {
      $('#key-message').textContent = 'Enter the key.';
      return;
    }
    $('#key-message').textContent = 'Checking the key…';
    sessionStorage.setItem(KEY_STORAGE, key);
    try {
      await api(KEY_CHECK);
    } catch (error) {
      if (error instanceof KeyRefused) {
        refuseKey();
      } else {
        sessionStorage.removeItem(KEY_STORAGE);
        $('#key-message').textContent = `The key could not be checked: ${error.message}`;
      }
      return;
    }
    $('#key-input').value = '';
    $('#key-message').textContent = '';
    showPages();
  }

  function forgetKey() {
    sessionStorage.removeItem(KEY_STORAGE);
    for (const page of Object.values(pages)) page.loaded = false;
    showKeyForm('The key is forgotten; enter it again to go on.');
  }

  // ---------------------------------------------------------------------------------------------
  // Pages: state, navigation, loading that ignores answers to questions no longer asked

  function setState(section, state, message = '') {
    section.dataset.state = state;
    $('.error', section).textContent = state === 'error' ? message : '';
  }

  // Runs load() for the page; only the latest run may change the page.
  async function run(page, load, { quiet = false } = {}) {
    const section = page.section;
    const ticket = ++page.ticket;
    if (!quiet) {
      setState(section, 'loading');
      $('.status', section).textContent = '';
    }
    try {
      const draw = await load();
      if (ticket !== page.ticket) return;
      draw();
      setState(section, 'ready');
      // When each page was first ready, for anyone timing it (the dashboard benchmark reads these).
      performance.mark(`ready:${section.id}`);
      const status = $('.status', section);
      if (status) status.textContent = `Updated ${new Date().toLocaleTimeString('en-GB')}`;
    } catch (error) {
      if (ticket !== page.ticket) return;
      if (error instanceof KeyRefused) {
        refuseKey();
        return;
      }
      setState(section, 'error', error.message);
      console.warn(error);
    }
  }

  const charts = new Map();

  function replaceChart(container, options, data) {
    charts.get(container)?.destroy();
    container.replaceChildren();
    const width = Math.max(320, container.clientWidth - 16);
    const chart = new uPlot({ width, height: 280, ...options }, data, container);
    charts.set(container, chart);
    return chart;
  }

  window.addEventListener('resize', () => {
    for (const [container, chart] of charts) {
      if (container.isConnected && container.clientWidth > 0) chart.setSize({ width: Math.max(320, container.clientWidth - 16), height: 280 });
    }
  });

  // A time axis over these times with a margin: one point (a single model version) gets an hour each side rather than years.
  function timeRange(times) {
    const min = Math.min(...times);
    const max = Math.max(...times);
    const margin = Math.max(3600, (max - min) * 0.03);
    return [min - margin, max + margin];
  }

  // Points with vertical bars from low to high: rates with their intervals, one per label.
  function intervalChart(container, labels, values, lows, highs, { name = 'conversion rate', color = COLORS[0] } = {}) {
    const top = Math.max(0.01, ...highs.filter((h) => h !== null), ...values.filter((v) => v !== null));
    const short = (text) => (text.length > 14 ? `${text.slice(0, 13)}…` : text);
    return replaceChart(container, {
      scales: { x: { time: false, range: [-0.6, labels.length - 0.4] }, y: { range: [0, top * 1.1] } },
      axes: [
        { values: (u, splits) => splits.map((i) => (Number.isInteger(i) && labels[i] !== undefined ? short(labels[i]) : '')), incrs: [1], space: 20, size: 50 },
        { values: (u, splits) => splits.map((v) => `${(v * 100).toFixed(1)} %`), size: 72 },
      ],
      series: [
        { label: 'group', value: (u, i) => (i === null || labels[i] === undefined ? '' : labels[i]) },
        { label: name, stroke: color, paths: () => null, points: { show: true, size: 9, fill: color }, value: (u, v) => formatRate(v) },
      ],
      cursor: { points: { show: false } },
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          const cap = 5 * devicePixelRatio;
          ctx.save();
          ctx.strokeStyle = color;
          ctx.lineWidth = 1.5 * devicePixelRatio;
          for (let i = 0; i < labels.length; i++) {
            if (lows[i] === null || highs[i] === null) continue;
            const x = u.valToPos(i, 'x', true);
            const y1 = u.valToPos(lows[i], 'y', true);
            const y2 = u.valToPos(highs[i], 'y', true);
            ctx.beginPath();
            ctx.moveTo(x, y1); ctx.lineTo(x, y2);
            ctx.moveTo(x - cap, y1); ctx.lineTo(x + cap, y1);
            ctx.moveTo(x - cap, y2); ctx.lineTo(x + cap, y2);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    }, [labels.map((_, i) => i), values]);
  }

  // A sortable table: columns [{ col, label, value(row), text(row), cls }], rows keyed by key(row).
  function fillTable(table, columns, rows, { key, total, sortable = true } = {}) {
    const head = el('tr', {}, columns.map((c) => el('th', { 'data-col': c.col, scope: 'col', title: c.title }, c.label)));
    $('thead', table).replaceChildren(head);
    const body = $('tbody', table);
    // Rows as one string of escaped HTML: ten thousand rows render in a fraction of the time that
    // creating each cell as an element takes. A column's html(row) is trusted markup; everything else is escaped.
    const row = (r, rowKey) => `<tr data-key="${escapeHtml(rowKey)}">${columns.map((c) => {
      const value = rawValue(c.value(r));
      const content = c.html ? c.html(r) : escapeHtml(c.text ? c.text(r) : value);
      return `<td data-col="${c.col}" data-value="${escapeHtml(value)}"${c.cls ? ` class="${c.cls}"` : ''}>${content}</td>`;
    }).join('')}</tr>`;
    const render = (ordered) => { body.innerHTML = ordered.map((r) => row(r, key(r))).join(''); };
    render(rows);
    const foot = $('tfoot', table);
    if (foot) foot.innerHTML = total ? row(total, 'total') : '';
    if (!sortable) return;
    let sortedBy = null;
    let direction = 0;
    head.addEventListener('click', (event) => {
      const th = event.target.closest('th[data-col]');
      if (!th) return;
      const column = columns.find((c) => c.col === th.dataset.col);
      // Numbers largest first on the first click, text A to Z; the next click reverses.
      direction = sortedBy === column.col ? -direction : (column.numeric ? -1 : 1);
      sortedBy = column.col;
      for (const other of $$('th', head)) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', direction > 0 ? 'ascending' : 'descending');
      const compare = (a, b) => {
        const x = column.value(a);
        const y = column.value(b);
        if (column.numeric) return ((x ?? -Infinity) - (y ?? -Infinity)) || 0;
        return String(x ?? '').localeCompare(String(y ?? ''));
      };
      render([...rows].sort((a, b) => direction * compare(a, b)));
    });
  }

  function csvField(value) {
    const text = String(value ?? '');
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }

  // The table as shown, in its order: its columns' names, then each row's values.
  function tableCsv(table) {
    const columns = $$('thead th[data-col]', table).map((th) => th.dataset.col);
    const lines = [columns.map(csvField).join(',')];
    for (const tr of $$('tbody tr', table)) {
      lines.push(columns.map((c) => (c === 'key' ? tr.dataset.key : $(`td[data-col="${c}"]`, tr)?.dataset.value ?? '')).map(csvField).join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  function download(name, text) {
    const link = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' })), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  // ---------------------------------------------------------------------------------------------
  // Funnel

  const GROUP_NAMES = { song: 'song', label: 'label', region: 'region', video: 'video', variant: 'experiment/variant' };

  function funnelColumns(groupBy) {
    const count = (col, label, title) => ({ col, label, title, numeric: true, cls: 'n', value: (r) => r[col], text: (r) => formatCount(r[col]) });
    const rate = (col, label, value, title) => ({ col, label, title, numeric: true, cls: 'n', value, text: (r) => formatRate(value(r)) });
    return [
      { col: 'key', label: GROUP_NAMES[groupBy], value: (r) => r.key },
      ...(groupBy === 'song' ? [
        { col: 'title', label: 'title', value: (r) => r.title ?? '' },
        { col: 'artist', label: 'artist', value: (r) => r.artist ?? '' },
      ] : []),
      count('uses', 'uses', 'Videos made with the song (from ingestion)'),
      count('offers', 'offers'),
      count('clicks', 'clicks', 'Distinct (offer, device) clicks'),
      count('follows', 'follows', 'Every follow of a link, repeats included'),
      count('claims', 'claims'),
      count('conversions', 'conversions'),
      count('trials', 'trials'),
      rate('clickThroughRate', 'click-through', (r) => r.clickThroughRate, 'Clicks per offer'),
      rate('conversionRate', 'conversion', (r) => r.conversionRate, 'Conversions per click'),
      rate('conversionRateLow', '95 % low', (r) => r.conversionRateInterval?.low ?? null),
      rate('conversionRateHigh', '95 % high', (r) => r.conversionRateInterval?.high ?? null),
      { col: 'revenue', label: 'revenue', value: (r) => formatRevenue(r.revenue) },
    ];
  }

  function funnelSummary(container, total, unattributed) {
    const stages = [
      ['offers', 'Offers served', null],
      ['clicks', 'Clicks', total.clickThroughRate === null ? null : `${formatRate(total.clickThroughRate)} of offers`],
      ['claims', 'Claims', total.clicks ? `${formatRate(total.claims / total.clicks)} of clicks` : null],
      ['conversions', 'Conversions', total.conversionRate === null ? null : `${formatRate(total.conversionRate)} of clicks`],
    ];
    const widest = Math.max(1, total.offers);
    const tiles = [el('div', { class: 'stage' },
      el('span', { class: 'label', text: 'Videos made (uses)' }),
      el('span', { class: 'value', 'data-value': rawValue(total.uses), text: formatCount(total.uses) }),
      el('span', { class: 'rate', text: 'from ingestion' }))];
    for (const [field, label, rate] of stages) {
      const bar = el('div', { class: 'bar' });
      bar.style.width = `${Math.max(0.5, (100 * total[field]) / widest)}%`;
      tiles.push(el('div', { class: 'stage', 'data-stage': field },
        el('span', { class: 'label', text: label }),
        el('span', { class: 'value', 'data-value': total[field], text: formatCount(total[field]) }),
        el('span', { class: 'rate', text: rate ?? '' }),
        bar));
    }
    tiles.push(el('div', { class: 'stage' },
      el('span', { class: 'label', text: 'Of which trials' }),
      el('span', { class: 'value', text: formatCount(total.trials) }),
      el('span', { class: 'rate', text: `revenue ${formatRevenue(total.revenue) || '–'}` })));
    tiles.push(el('div', { class: 'stage' },
      el('span', { class: 'label', text: 'Unattributed conversions' }),
      el('span', { class: 'value', text: formatCount(unattributed.count) }),
      el('span', { class: 'rate', text: formatRevenue(unattributed.revenue) ? `revenue ${formatRevenue(unattributed.revenue)}` : 'no click found for them' })));
    container.replaceChildren(...tiles);
  }

  function loadFunnel(page) {
    const groupBy = $('#funnel-groupby').value;
    const { from, to } = period($('#funnel-period').value);
    return run(page, async () => {
      const report = await api(`/api/reports/attribution?${query({ from, to, groupBy })}`);
      return () => {
        page.shown = { groupBy, period: $('#funnel-period').value };
        funnelSummary($('#funnel-summary'), report.total, { count: report.unattributedConversions, revenue: report.unattributedRevenue });
        const label = (r) => (groupBy === 'song' && r.title ? `${r.title}` : r.key);
        const charted = report.rows.filter((r) => r.clicks > 0).slice(0, 15);
        const chart = $('#funnel-chart');
        if (charted.length === 0) {
          charts.get(chart)?.destroy();
          charts.delete(chart);
          chart.replaceChildren(el('p', { class: 'empty', text: 'No clicks in this period yet: nothing to draw.' }));
        } else {
          intervalChart(chart, charted.map(label), charted.map((r) => r.conversionRate),
            charted.map((r) => r.conversionRateInterval?.low ?? null), charted.map((r) => r.conversionRateInterval?.high ?? null));
        }
        fillTable($('#funnel-table'), funnelColumns(groupBy), report.rows, { key: (r) => r.key, total: report.total });
      };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Over time

  function drawSeries(page) {
    const data = page.data;
    if (!data) return;
    const measure = $('#series-measure').value;
    const series = data.series;
    const sum = (s) => s.points.reduce((total, p) => total + p[measure], 0);
    const peak = (s) => Math.max(0, ...s.points.map((p) => p[measure]));
    const name = (s) => (s.title ? `${s.title} (${s.key})` : s.key);
    const chart = $('#series-chart');
    const xs = data.total.points.map((p) => Date.parse(p.at) / 1000);
    replaceChart(chart, {
      scales: { x: { time: true } },
      axes: [{}, { values: (u, splits) => splits.map((v) => numberFormat.format(v)), size: 60 }],
      series: [
        { label: 'UTC', value: (u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, data.interval === 'hour' ? 16 : 10).replace('T', ' ')) },
        ...series.map((s, i) => ({ label: name(s), stroke: COLORS[i % COLORS.length], width: 2, points: { show: xs.length < 60 } })),
        { label: 'all groups', stroke: '#888', dash: [6, 4], width: 1.5, show: series.length === 0 },
      ],
    }, [xs, ...series.map((s) => s.points.map((p) => p[measure])), data.total.points.map((p) => p[measure])]);
    fillTable($('#series-table'), [
      { col: 'key', label: GROUP_NAMES[data.groupBy], value: (s) => s.key },
      { col: 'name', label: 'title', value: (s) => s.title ?? '' },
      { col: 'sum', label: `${measure} in the period`, numeric: true, cls: 'n', value: sum, text: (s) => formatCount(sum(s)) },
      { col: 'peak', label: `most in one ${data.interval}`, numeric: true, cls: 'n', value: peak, text: (s) => formatCount(peak(s)) },
    ], series, { key: (s) => s.key, total: data.total });
    if (series.length === 0) {
      $('#series-table tbody').replaceChildren(el('tr', {}, el('td', { colspan: 4, class: 'empty', text: 'No group matches: the chart shows all groups together.' })));
    }
  }

  function loadSeries(page) {
    const { from, to } = period($('#series-period').value);
    const key = $('#series-key').value.trim();
    const parameters = {
      from, to, interval: $('#series-interval').value, groupBy: $('#series-groupby').value,
      key: key || null, top: key ? null : $('#series-top').value,
    };
    return run(page, async () => {
      const data = await api(`/api/reports/attribution/series?${query(parameters)}`);
      return () => {
        page.data = data;
        drawSeries(page);
      };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Experiments

  // Newcombe's hybrid score interval for p2 - p1 from the two Wilson intervals.
  function difference(variant, baseline) {
    const p1 = baseline.conversionRate;
    const p2 = variant.conversionRate;
    const i1 = baseline.conversionRateInterval;
    const i2 = variant.conversionRateInterval;
    if (p1 === null || p2 === null || !i1 || !i2) return null;
    const d = p2 - p1;
    return {
      d,
      low: d - Math.sqrt(((p2 - i2.low) ** 2) + ((i1.high - p1) ** 2)),
      high: d + Math.sqrt(((i2.high - p2) ** 2) + ((p1 - i1.low) ** 2)),
    };
  }

  const points = (value) => `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(2)} pt`;

  function loadExperiments(page) {
    const { from, to } = period($('#experiments-period').value);
    return run(page, async () => {
      const report = await api(`/api/reports/attribution?${query({ from, to, groupBy: 'variant' })}`);
      return () => {
        const list = $('#experiments-list');
        for (const chart of $$('.chart', list)) {
          charts.get(chart)?.destroy();
          charts.delete(chart);
        }
        const experiments = new Map();
        for (const row of report.rows) {
          const slash = row.key.indexOf('/');
          if (slash < 0) continue;
          const name = row.key.slice(0, slash);
          if (!experiments.has(name)) experiments.set(name, []);
          experiments.get(name).push({ ...row, variant: row.key.slice(slash + 1) });
        }
        const outside = report.rows.find((r) => r.key === '(no experiment)');
        const blocks = [];
        for (const [name, variants] of [...experiments].sort(([a], [b]) => a.localeCompare(b))) {
          variants.sort((a, b) => a.variant.localeCompare(b.variant));
          const baseline = variants.reduce((best, v) => (v.clicks > best.clicks ? v : best), variants[0]);
          const table = el('table', { class: 'experiment numbers', 'data-experiment': name },
            el('thead', {}, el('tr', {}, ['variant', 'offers', 'clicks', 'claims', 'conversions', 'trials', 'click-through', 'conversion', '95 % interval', 'revenue', `difference from ${baseline.variant}`].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, variants.map((v) => {
              const diff = v === baseline ? null : difference(v, baseline);
              const supported = diff && (diff.low > 0 || diff.high < 0);
              const cell = (col, value, text) => el('td', { 'data-col': col, 'data-value': rawValue(value), class: 'n' }, text);
              return el('tr', { 'data-variant': v.variant },
                el('th', { scope: 'row' }, v.variant),
                cell('offers', v.offers, formatCount(v.offers)),
                cell('clicks', v.clicks, formatCount(v.clicks)),
                cell('claims', v.claims, formatCount(v.claims)),
                cell('conversions', v.conversions, formatCount(v.conversions)),
                cell('trials', v.trials, formatCount(v.trials)),
                cell('clickThroughRate', v.clickThroughRate, formatRate(v.clickThroughRate)),
                cell('conversionRate', v.conversionRate, formatRate(v.conversionRate)),
                el('td', { class: 'n' }, v.conversionRateInterval ? `${formatRate(v.conversionRateInterval.low)} – ${formatRate(v.conversionRateInterval.high)}` : '–'),
                el('td', {}, formatRevenue(v.revenue) || '–'),
                el('td', { 'data-col': 'difference', 'data-value': rawValue(diff?.d), class: supported ? 'n bad' : 'n' },
                  v === baseline ? 'baseline' : diff ? `${points(diff.d)} (${points(diff.low)} to ${points(diff.high)})${supported ? '' : ', not distinguishable'}` : 'no clicks yet'));
            })));
          const chart = el('div', { class: 'chart experiment-chart' });
          blocks.push(el('div', { class: 'experiment-block' }, el('h2', {}, `Experiment ${name}`), chart, el('div', { class: 'table-wrap' }, table)));
          page.pendingCharts.push(() => intervalChart(chart, variants.map((v) => v.variant), variants.map((v) => v.conversionRate),
            variants.map((v) => v.conversionRateInterval?.low ?? null), variants.map((v) => v.conversionRateInterval?.high ?? null)));
        }
        if (blocks.length === 0) {
          blocks.push(el('p', { class: 'empty', text: 'No offer in this period was part of an experiment (Resso__Offers__Experiments__… configures them).' }));
        }
        if (outside) {
          blocks.push(el('p', { class: 'note', text: `Outside any experiment: ${formatCount(outside.offers)} offers, ${formatCount(outside.clicks)} clicks, ${formatCount(outside.conversions)} conversions.` }));
        }
        list.replaceChildren(...blocks);
        // Charts need their container in the page to know their width.
        for (const draw of page.pendingCharts.splice(0)) draw();
      };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Trending

  function loadTrending(page) {
    const region = $('#trending-region').value.trim().toUpperCase();
    const window = $('#trending-window').value;
    return run(page, async () => {
      const trending = await api(`/api/trending?${query({ region: region || null, window, count: 50 })}`, { keyed: false });
      return () => {
        const top = Math.max(1e-9, ...trending.items.map((i) => i.score));
        const rows = trending.items.map((item, index) => {
          const bar = el('span', { class: 'score' });
          bar.style.width = `${Math.max(2, (80 * item.score) / top)}px`;
          return el('tr', { 'data-song': item.songId },
            el('td', { class: 'n' }, index + 1),
            el('td', {}, item.title ?? '(not in the catalog)'),
            el('td', {}, item.artist ?? ''),
            el('td', {}, el('code', {}, item.songId)),
            el('td', { class: 'n', 'data-value': item.score }, item.score.toFixed(1)),
            el('td', {}, bar));
        });
        $('#trending-table tbody').replaceChildren(...(rows.length ? rows
          : [el('tr', {}, el('td', { colspan: 6, class: 'empty', text: `No song was used ${region ? `in ${region} ` : ''}in this window.` }))]));
      };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Model

  const fixed = (value, digits = 4) => (value === null || value === undefined ? '–' : value.toFixed(digits));

  function modelTile(label, value, detail) {
    return el('div', { class: 'tile' }, el('span', { class: 'label', text: label }), el('span', { class: 'value', text: value }), el('span', { class: 'detail', text: detail ?? '' }));
  }

  function drawModel(page) {
    const { status, versions } = page;
    const current = $('#model-current');
    if (!status) {
      current.replaceChildren(modelTile('Published model', 'none yet', 'POST /api/model/retrain with the key trains one once events have arrived.'));
    } else {
      const manifest = status.current;
      current.replaceChildren(
        modelTile('Published model', status.version ?? '(unreadable)', status.publishedAt ? `published ${formatTime(status.publishedAt)}` : status.reason),
        modelTile('Its age', formatAge(status.ageSeconds), manifest ? `trained in ${fixed(manifest.trainingSeconds, 1)} s${manifest.warmStarted ? ', warm-started' : ''}` : ''),
        modelTile('NDCG@10', manifest ? fixed(manifest.metrics.ndcg) : '–', manifest ? `most-popular: ${fixed(manifest.metrics.popularityNdcg)} on ${formatCount(manifest.metrics.users)} held-out users` : ''),
        modelTile('Trained on', manifest ? `${formatCount(manifest.data.events)} events` : '–', manifest ? `${formatCount(manifest.data.users)} listeners, ${formatCount(manifest.data.songs)} songs` : ''),
        modelTile('This instance serves', status.servedVersion ?? 'nothing yet', status.status === 'healthy' ? 'healthy' : `degraded: ${status.reason}`));
    }
    const ordered = [...versions].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    const chart = $('#model-chart');
    if (ordered.length === 0) {
      chart.replaceChildren(el('p', { class: 'empty', text: 'No model version yet.' }));
    } else {
      replaceChart(chart, {
        scales: { x: { time: true, auto: false, range: timeRange(ordered.map((v) => Date.parse(v.createdAt) / 1000)) } },
        axes: [{}, { values: (u, splits) => splits.map((v) => v.toFixed(3)), size: 60 }],
        series: [
          { label: 'trained (UTC)', value: (u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')) },
          { label: 'published NDCG@10', stroke: COLORS[1], paths: () => null, points: { show: true, size: 9, fill: COLORS[1] }, value: (u, v) => fixed(v) },
          { label: 'refused NDCG@10', stroke: COLORS[0], paths: () => null, points: { show: true, size: 9, fill: '#fff' }, value: (u, v) => fixed(v) },
          { label: 'most-popular NDCG@10', stroke: '#888', dash: [6, 4], width: 1.5, value: (u, v) => fixed(v) },
        ],
      }, [
        ordered.map((v) => Date.parse(v.createdAt) / 1000),
        ordered.map((v) => (v.published ? v.metrics.ndcg : null)),
        ordered.map((v) => (v.published ? null : v.metrics.ndcg)),
        ordered.map((v) => v.metrics.popularityNdcg),
      ]);
    }
    fillTable($('#model-table'), [
      { col: 'version', label: 'version', value: (v) => v.version, text: (v) => (v.current ? `${v.version} (current)` : v.version) },
      { col: 'createdAt', label: 'trained (UTC)', value: (v) => v.createdAt, text: (v) => formatTime(v.createdAt) },
      { col: 'trigger', label: 'asked by', value: (v) => v.trigger },
      { col: 'events', label: 'events', numeric: true, cls: 'n', value: (v) => v.data.events, text: (v) => formatCount(v.data.events) },
      { col: 'users', label: 'listeners', numeric: true, cls: 'n', value: (v) => v.data.users, text: (v) => formatCount(v.data.users) },
      { col: 'songs', label: 'songs', numeric: true, cls: 'n', value: (v) => v.data.songs, text: (v) => formatCount(v.data.songs) },
      { col: 'ndcg', label: 'NDCG@10', numeric: true, cls: 'n', value: (v) => v.metrics.ndcg, text: (v) => fixed(v.metrics.ndcg) },
      { col: 'popularityNdcg', label: 'most-popular', numeric: true, cls: 'n', value: (v) => v.metrics.popularityNdcg, text: (v) => fixed(v.metrics.popularityNdcg) },
      { col: 'precision', label: 'precision@10', numeric: true, cls: 'n', value: (v) => v.metrics.precision, text: (v) => fixed(v.metrics.precision) },
      { col: 'recall', label: 'recall@10', numeric: true, cls: 'n', value: (v) => v.metrics.recall, text: (v) => fixed(v.metrics.recall) },
      { col: 'coverage', label: 'coverage', numeric: true, cls: 'n', value: (v) => v.metrics.coverage, text: (v) => fixed(v.metrics.coverage) },
      { col: 'trainingSeconds', label: 'training (s)', numeric: true, cls: 'n', value: (v) => v.trainingSeconds, text: (v) => fixed(v.trainingSeconds, 1) },
      { col: 'decision', label: 'decision', value: (v) => (v.published ? 'published' : 'refused'), html: (v) => (v.published ? '<span class="decision-published">published</span>' : '<span class="decision-refused">refused</span>') },
      { col: 'reason', label: 'why', cls: 'reason', value: (v) => v.decision.reason },
    ], versions, { key: (v) => v.version, sortable: false });
    for (const tr of $$('#model-table tbody tr')) tr.dataset.version = tr.dataset.key;
    $('#model-more').hidden = !page.next;
  }

  function loadModel(page) {
    return run(page, async () => {
      const [status, list] = await Promise.all([api('/api/model', { keyed: false, allow404: true }), api('/api/model/versions', { keyed: false })]);
      return () => {
        Object.assign(page, { status, versions: list.versions, next: list.next });
        drawModel(page);
        if (list.unreadable > 0) $('.status', page.section).textContent += ` · ${list.unreadable} manifest(s) could not be read`;
      };
    });
  }

  function loadOlderModels(page) {
    return run(page, async () => {
      const list = await api(`/api/model/versions?${query({ before: page.next })}`, { keyed: false });
      return () => {
        Object.assign(page, { versions: [...page.versions, ...list.versions], next: list.next });
        drawModel(page);
      };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Ingestion

  function tile(id, value, text) {
    const element = $(id);
    element.dataset.value = rawValue(value);
    element.textContent = text;
  }

  function loadIngestion(page, options) {
    return run(page, async () => {
      const [health, metrics] = await Promise.all([api('/api/health', { keyed: false }), api('/api/metrics/ingestion?minutes=60')]);
      return () => {
        const songUsed = health.queues.songUsed;
        tile('#ingestion-depth', songUsed.depth, songUsed.depth === null ? 'unknown' : formatCount(songUsed.depth));
        tile('#ingestion-oldest', songUsed.oldestMessageAgeSeconds, songUsed.depth === 0 ? 'none waiting' : formatAge(songUsed.oldestMessageAgeSeconds));
        tile('#ingestion-poison', songUsed.poisonDepth, songUsed.poisonDepth === null ? 'unknown' : formatCount(songUsed.poisonDepth));
        tile('#ingestion-lag', songUsed.processingLagSeconds, songUsed.processingLagSeconds === null ? 'nothing handled yet' : formatAge(songUsed.processingLagSeconds));
        $('#ingestion-poison').classList.toggle('bad', songUsed.poisonDepth > 0);
        $('#ingestion-instance').textContent = `(instance ${metrics.instance}, counting since ${formatTime(metrics.since)})`;
        const minutes = metrics.minutes;
        replaceChart($('#ingestion-chart'), {
          scales: { x: { time: true } },
          axes: [{}, { values: (u, splits) => splits.map((v) => numberFormat.format(v)), size: 60 }],
          series: [
            { label: 'minute (UTC)', value: (u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(11, 16)) },
            { label: 'accepted', stroke: COLORS[1], width: 2, points: { show: false } },
            { label: 'counted', stroke: COLORS[2], width: 2, points: { show: false } },
            { label: 'duplicates', stroke: COLORS[3], width: 1, points: { show: false } },
            { label: 'rejected', stroke: COLORS[0], width: 1, points: { show: false } },
          ],
        }, [
          minutes.map((m) => Date.parse(m.at) / 1000),
          minutes.map((m) => m.accepted), minutes.map((m) => m.counted), minutes.map((m) => m.duplicates), minutes.map((m) => m.rejected),
        ]);
        const queues = Object.values(health.queues);
        $('#ingestion-queues tbody').replaceChildren(...queues.map((q) => el('tr', { 'data-queue': q.name },
          el('td', {}, el('code', {}, q.name)),
          el('td', { class: 'n' }, q.depth === null ? 'unknown' : formatCount(q.depth)),
          el('td', { class: 'n' }, q.depth === 0 ? '–' : formatAge(q.oldestMessageAgeSeconds)),
          el('td', { class: q.poisonDepth > 0 ? 'n bad' : 'n' }, formatCount(q.poisonDepth)),
          el('td', { class: 'n' }, formatAge(q.processingLagSeconds)),
          el('td', {}, q.error ? `error: ${q.error}` : formatTime(q.checkedAt)))));
      };
    }, options);
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring

  const pages = {
    funnel: { load: loadFunnel },
    'over-time': { load: loadSeries },
    experiments: { load: loadExperiments, pendingCharts: [] },
    trending: { load: loadTrending },
    model: { load: loadModel },
    ingestion: { load: loadIngestion, refresh: 15_000 },
  };

  let refreshTimer = null;

  function currentPage() {
    const name = location.hash.slice(1);
    return pages[name] ? name : 'funnel';
  }

  function showPages() {
    $('#key-form').hidden = true;
    $('#key-status').hidden = false;
    $('#pages').hidden = false;
    show(currentPage());
  }

  function show(name) {
    if (!storedKey()) {
      showKeyForm();
      return;
    }
    clearInterval(refreshTimer);
    for (const [other, page] of Object.entries(pages)) {
      page.section.hidden = other !== name;
      $(`nav a[data-page="${other}"]`).toggleAttribute('aria-current', other === name);
      if (other === name) $(`nav a[data-page="${other}"]`).setAttribute('aria-current', 'page');
    }
    const page = pages[name];
    document.title = `${$(`nav a[data-page="${name}"]`).textContent} · Resso dashboard`;
    page.load(page);
    if (page.refresh) {
      refreshTimer = setInterval(() => {
        if (!document.hidden && !page.section.hidden) page.load(page, { quiet: true });
      }, page.refresh);
    }
  }

  function fillChoices() {
    for (const select of $$('select[data-choices]')) {
      const omit = (select.dataset.omit ?? '').split(' ');
      select.replaceChildren(...CHOICES[select.dataset.choices].filter(([value]) => !omit.includes(value))
        .map(([value, label]) => el('option', { value, selected: value === select.dataset.selected }, label)));
    }
  }

  function init() {
    fillChoices();
    for (const [name, page] of Object.entries(pages)) {
      page.section = $(`#page-${name}`);
      page.ticket = 0;
    }
    const reload = (name) => () => pages[name].load(pages[name]);
    for (const id of ['#funnel-period', '#funnel-groupby']) $(id).addEventListener('change', reload('funnel'));
    for (const id of ['#series-period', '#series-interval', '#series-groupby', '#series-top', '#series-key']) $(id).addEventListener('change', reload('over-time'));
    $('#series-measure').addEventListener('change', () => drawSeries(pages['over-time']));
    $('#experiments-period').addEventListener('change', reload('experiments'));
    for (const id of ['#trending-region', '#trending-window']) $(id).addEventListener('change', reload('trending'));
    $('#model-more').addEventListener('click', () => loadOlderModels(pages.model));
    $('#funnel-csv').addEventListener('click', () => {
      const shown = pages.funnel.shown ?? { groupBy: $('#funnel-groupby').value, period: $('#funnel-period').value };
      download(`resso-funnel-by-${shown.groupBy}-${shown.period}-${new Date().toISOString().slice(0, 10)}.csv`, tableCsv($('#funnel-table')));
    });
    $('#key-form').addEventListener('submit', submitKey);
    $('#key-forget').addEventListener('click', forgetKey);
    window.addEventListener('hashchange', () => show(currentPage()));
    if (storedKey()) showPages();
    else showKeyForm();
  }

  init();
})();
