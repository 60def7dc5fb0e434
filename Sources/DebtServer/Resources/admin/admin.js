// The Debt Tracker admin panel. Plain JavaScript, no dependencies: it talks to /api/admin/* and /ws
// with the admin token from the login form (kept in sessionStorage: gone when the tab's session ends).
// Everything that comes from the server is put into the page as text (textContent, text nodes),
// never parsed as HTML; the Content-Security-Policy allows no inline script either.
'use strict';

(() => {
  const TOKEN_KEY = 'debt-admin-token';
  const NAME_KEY = 'debt-admin-username';
  const EVENT_TYPES = [
    'CONTACT_CREATED', 'CONTACT_UPDATED', 'CONTACT_DELETED', 'CONTACT_UNDO',
    'TRANSACTION_CREATED', 'TRANSACTION_UPDATED', 'TRANSACTION_DELETED', 'TRANSACTION_UNDO',
  ];
  const $ = (id) => document.getElementById(id);

  const session = {
    token: sessionStorage.getItem(TOKEN_KEY),
    username: sessionStorage.getItem(NAME_KEY),
    users: null, // id -> username, loaded on demand
  };

  // ---------------------------------------------------------------- DOM helpers (text only)

  /** Creates an element; string children become text nodes, never markup. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (typeof value === 'boolean' || typeof value === 'number') el[key] = value;
      else el.setAttribute(key, String(value));
    }
    put(el, children);
    return el;
  }

  function put(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function link(hash, ...children) { return h('a', { href: hash }, ...children); }
  function seg(text) { return encodeURIComponent(text); }

  function table(columns, rows, options = {}) {
    const head = h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null }, c.title)));
    const body = rows.map((row) => {
      const tr = h('tr', { class: options.rowClass ? options.rowClass(row) : null, dataset: options.rowData ? options.rowData(row) : null },
        columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(row))));
      return tr;
    });
    const t = h('table', { class: 'grid', id: options.id || null }, h('thead', null, head), h('tbody', null, body));
    if (rows.length === 0) t.tBodies[0].append(h('tr', null, h('td', { colSpan: columns.length, class: 'muted' }, options.empty || 'Nothing here.')));
    return t;
  }

  function keyValues(object, id) {
    const rows = Object.entries(object || {});
    return h('table', { class: 'kv', id: id || null }, h('tbody', null, rows.map(([k, v]) => h('tr', { dataset: { key: k } }, h('th', null, k), h('td', null, display(v))))));
  }

  function display(v) {
    if (v === null || v === undefined) return h('span', { class: 'muted' }, '—');
    if (typeof v === 'object') return h('code', null, JSON.stringify(v));
    return String(v);
  }

  function money(minor) {
    if (typeof minor !== 'number') return '—';
    const sign = minor < 0 ? '-' : '';
    const abs = Math.abs(minor);
    return `${sign}${Math.floor(abs / 100).toLocaleString('en')}.${String(abs % 100).padStart(2, '0')}`;
  }

  function when(text) { return text ? String(text).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—'; }
  function short(id) { return id ? String(id).slice(0, 8) : '—'; }

  function flash(message, kind = 'ok') {
    const f = $('flash');
    f.textContent = message;
    f.className = kind;
    f.hidden = !message;
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${session.token}` };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'the server cannot be reached');
    }
    if (response.status === 401) {
      logout('Your session has ended; sign in again.');
      throw new ApiError(401, 'not signed in');
    }
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!response.ok) throw new ApiError(response.status, (json && json.error) || `HTTP ${response.status}`);
    return json;
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  async function usernames(fresh) {
    if (!session.users || fresh) {
      const users = await api('GET', '/api/admin/users');
      session.users = new Map(users.map((u) => [u.id, u.username]));
    }
    return session.users;
  }

  function userSelect(name, selected, users, blank = 'any user') {
    return h('select', { name, id: `f-${name}` }, h('option', { value: '' }, blank),
      [...users.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([id, n]) => h('option', { value: id, selected: id === selected }, n)));
  }

  // ---------------------------------------------------------------- login / logout

  async function login(event) {
    event.preventDefault();
    const error = $('login-error');
    error.textContent = '';
    const username = $('login-username').value.trim();
    const password = $('login-password').value;
    $('login-submit').disabled = true;
    try {
      const response = await fetch('/api/auth/admin/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }), cache: 'no-store',
      });
      const json = await response.json().catch(() => null);
      if (!response.ok) throw new Error((json && json.error) || `HTTP ${response.status}`);
      session.token = json.token;
      session.username = json.username;
      sessionStorage.setItem(TOKEN_KEY, json.token);
      sessionStorage.setItem(NAME_KEY, json.username);
      $('login-password').value = '';
      start();
    } catch (e) {
      error.textContent = e.message === 'Failed to fetch' ? 'The server cannot be reached.' : e.message;
    } finally {
      $('login-submit').disabled = false;
    }
  }

  function logout(message) {
    session.token = null;
    session.username = null;
    session.users = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(NAME_KEY);
    live.stop();
    $('bar').hidden = true;
    $('app').hidden = true;
    $('login-view').hidden = false;
    $('view').replaceChildren();
    $('login-error').textContent = message || '';
    $('login-username').focus();
  }

  function start() {
    $('login-view').hidden = true;
    $('bar').hidden = false;
    $('app').hidden = false;
    $('who').textContent = session.username || '';
    live.start();
    if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/events';
    else route();
  }

  // ---------------------------------------------------------------- live updates (WebSocket)

  /** One WebSocket at most; reconnects with exponential backoff and jitter (1 s doubling to 30 s),
   *  reset only after a connection has stayed open for 10 s, so a server that accepts and drops at
   *  once is not hammered. Views subscribe; on every (re)connect they catch up by position. */
  const live = (() => {
    let socket = null;
    let timer = null;
    let delay = 1000;
    let openedAt = 0;
    let attempts = 0;
    let running = false;
    const listeners = new Set();
    const badge = () => $('live');

    function show(state, text) {
      const b = badge();
      b.dataset.state = state;
      b.dataset.attempts = String(attempts);
      b.textContent = text;
    }

    function connect() {
      if (!running || socket || timer) return;
      attempts += 1;
      openedAt = 0;
      show('connecting', 'live: connecting…');
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(`${scheme}//${location.host}/ws?token=${encodeURIComponent(session.token || '')}`);
      socket = ws;
      ws.onopen = () => {
        openedAt = Date.now();
        show('on', 'live: on');
        for (const l of listeners) l({ type: 'connected' });
      };
      ws.onmessage = (message) => {
        let frame;
        try { frame = JSON.parse(message.data); } catch (e) { return; }
        for (const l of listeners) l(frame);
      };
      ws.onclose = () => {
        if (socket !== ws) return;
        socket = null;
        if (!running) return;
        if (openedAt && Date.now() - openedAt > 10000) delay = 1000;
        const wait = Math.round(delay / 2 + Math.random() * (delay / 2));
        delay = Math.min(delay * 2, 30000);
        show('waiting', `live: reconnecting in ${Math.ceil(wait / 1000)} s`);
        timer = setTimeout(() => { timer = null; connect(); }, wait);
      };
    }

    return {
      start() { running = true; connect(); },
      stop() {
        running = false;
        clearTimeout(timer);
        timer = null;
        if (socket) { const s = socket; socket = null; s.close(); }
        delay = 1000;
        show('off', 'live: off');
      },
      subscribe(listener) { listeners.add(listener); return () => listeners.delete(listener); },
      get connected() { return socket !== null && socket.readyState === WebSocket.OPEN; },
    };
  })();

  // ---------------------------------------------------------------- routing

  let ticket = 0;
  let cleanup = null;

  async function route() {
    if (!session.token) return;
    const mine = ++ticket;
    if (cleanup) { cleanup(); cleanup = null; }
    const [path, search] = location.hash.replace(/^#/, '').split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const params = new URLSearchParams(search || '');
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('current', a.dataset.view === (parts[0] || 'events'));
    const view = $('view');
    const stale = () => mine !== ticket;
    const ctx = { params, stale, onCleanup(f) { cleanup = f; } };
    view.setAttribute('aria-busy', 'true');
    try {
      let content;
      switch (parts[0] || 'events') {
        case 'events': content = parts[1] ? await eventView(parts[1], ctx) : await eventsView(ctx); break;
        case 'streams': content = await streamView(parts[1] || '', ctx); break;
        case 'contacts': content = await contactsView(ctx); break;
        case 'transactions': content = await transactionsView(ctx); break;
        case 'balances': content = await balancesView(ctx); break;
        case 'projections': content = await projectionsView(ctx); break;
        case 'users': content = parts[1] ? await userView(parts[1], ctx) : await usersView(ctx); break;
        default: content = h('p', { class: 'error' }, 'No such page.');
      }
      if (stale()) return;
      view.replaceChildren(content);
      view.dataset.view = parts[0] || 'events';
    } catch (e) {
      if (stale() || e.status === 401) return;
      view.replaceChildren(h('div', { class: 'card' }, h('h2', null, 'Could not load this page'), h('p', { class: 'error', id: 'page-error' }, e.message)));
    } finally {
      if (!stale()) view.removeAttribute('aria-busy');
    }
  }

  function go(hash) { if (location.hash === hash) route(); else location.hash = hash; }

  // ---------------------------------------------------------------- events

  const FILTERS = ['event_type', 'aggregate_type', 'user_id', 'aggregate_id', 'search', 'date_from', 'date_to', 'limit'];

  function summary(e) {
    const d = e.event_data || {};
    if (e.event_type === 'UNDO') return `undo of ${short(d.undone_event_id || d.event_id || '')}`;
    if (e.aggregate_type === 'contact') return d.name !== undefined ? `name: ${d.name}` : Object.keys(d).join(', ');
    const parts = [];
    if (d.amount !== undefined) parts.push(money(d.amount));
    if (d.direction) parts.push(d.direction);
    if (d.description) parts.push(d.description);
    return parts.join(' · ') || Object.keys(d).join(', ');
  }

  function eventColumns(users) {
    return [
      { title: 'Pos', num: true, cell: (e) => String(e.position) },
      { title: 'Recorded', cell: (e) => when(e.created_at) },
      { title: 'Type', cell: (e) => h('span', { class: `type ${e.event_type.toLowerCase()}` }, e.type) },
      { title: 'Stream', cell: (e) => link(`#/streams/${seg(`${e.aggregate_type}-${e.aggregate_id}`)}`, `${e.aggregate_type}-${short(e.aggregate_id)}`) },
      { title: 'User', cell: (e) => users.get(e.user_id) || short(e.user_id) },
      { title: 'Data', cell: (e) => h('span', { class: 'data' }, summary(e)) },
      { title: 'Event', cell: (e) => link(`#/events/${seg(e.event_id)}`, short(e.event_id)) },
    ];
  }

  async function eventsView(ctx) {
    const p = ctx.params;
    const users = await usernames();
    const filters = {};
    for (const k of FILTERS) if (p.get(k)) filters[k] = p.get(k);
    const limit = Number(filters.limit || 50);
    const after = p.get('after');
    const before = p.get('before');
    let rows = await api('GET', `/api/admin/events${query({ ...filters, limit, after, before })}`);
    if (after) rows = rows.reverse(); // `after` pages come oldest first; show newest first like every page
    const firstPage = !after && !before;

    const form = h('form', { id: 'event-filters', class: 'filters', onsubmit: (ev) => {
      ev.preventDefault();
      const data = new FormData(ev.target);
      const next = {};
      for (const k of FILTERS) { const v = String(data.get(k) || '').trim(); if (v) next[k] = v; }
      go(`#/events${query(next)}`);
    } },
    h('label', null, 'Type ', h('select', { name: 'event_type', id: 'f-event_type' }, h('option', { value: '' }, 'any type'),
      EVENT_TYPES.map((t) => h('option', { value: t, selected: filters.event_type === t }, t)))),
    h('label', null, 'Aggregate ', h('select', { name: 'aggregate_type', id: 'f-aggregate_type' }, h('option', { value: '' }, 'any'),
      ['contact', 'transaction'].map((t) => h('option', { value: t, selected: filters.aggregate_type === t }, t)))),
    h('label', null, 'User ', userSelect('user_id', filters.user_id, users)),
    h('label', null, 'Aggregate id ', h('input', { name: 'aggregate_id', id: 'f-aggregate_id', value: filters.aggregate_id || '', size: 36, placeholder: 'UUID' })),
    h('label', null, 'Search ', h('input', { name: 'search', id: 'f-search', value: filters.search || '', placeholder: 'text in event data' })),
    h('label', null, 'From ', h('input', { name: 'date_from', id: 'f-date_from', value: filters.date_from || '', placeholder: 'YYYY-MM-DD or RFC 3339', size: 20 })),
    h('label', null, 'Until ', h('input', { name: 'date_to', id: 'f-date_to', value: filters.date_to || '', placeholder: 'YYYY-MM-DD or RFC 3339', size: 20 })),
    h('label', null, 'Rows ', h('select', { name: 'limit', id: 'f-limit' }, [25, 50, 100, 200, 500].map((n) => h('option', { value: String(n), selected: n === limit }, String(n))))),
    h('button', { type: 'submit', id: 'apply-filters' }, 'Apply'),
    h('a', { href: '#/events', class: 'button secondary' }, 'Clear'));

    const columns = eventColumns(users);
    const tbl = table(columns, rows, { id: 'events-table', rowData: (e) => ({ position: String(e.position), type: e.type }), empty: 'No events match.' });
    const positions = rows.map((e) => e.position);
    const newest = positions.length ? Math.max(...positions) : Number(after || 0);
    const oldest = positions.length ? Math.min(...positions) : null;
    const pager = h('div', { class: 'pager' },
      h('a', { class: 'button secondary', href: `#/events${query(filters)}`, id: 'page-newest' }, 'Newest'),
      h('a', { class: 'button secondary', href: `#/events${query({ ...filters, after: newest })}`, id: 'page-newer', hidden: firstPage }, '← Newer'),
      h('a', { class: 'button secondary', href: `#/events${query({ ...filters, before: oldest })}`, id: 'page-older', hidden: oldest === null || oldest <= 1 || rows.length < limit }, 'Older →'),
      h('span', { class: 'muted', id: 'page-range' }, positions.length ? `positions ${oldest}–${newest}` : ''));
    const notice = h('p', { id: 'new-notice', class: 'notice', hidden: true });

    // Live arrival: on the first page, new events matching the filters are fetched by position and
    // put on top (one fetch at a time; a burst of notifications becomes one or two fetches).
    let cursor = newest;
    let fetching = false;
    let again = false;
    let arrived = 0;
    async function catchUp() {
      if (fetching) { again = true; return; }
      fetching = true;
      try {
        do {
          again = false;
          const fresh = await api('GET', `/api/admin/events${query({ ...filters, after: cursor, limit: 500 })}`);
          if (ctx.stale()) return;
          if (fresh.length === 0) continue;
          cursor = Math.max(cursor, ...fresh.map((e) => e.position));
          if (firstPage) {
            const body = tbl.tBodies[0];
            if (body.rows.length === 1 && body.rows[0].cells.length === 1) body.replaceChildren();
            for (const e of fresh) {
              const tr = h('tr', { class: 'new', dataset: { position: String(e.position), type: e.type } },
                columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(e))));
              body.prepend(tr);
            }
            while (body.rows.length > limit) body.deleteRow(body.rows.length - 1);
          } else {
            arrived += fresh.length;
            notice.hidden = false;
            notice.replaceChildren();
            put(notice, [`${arrived} newer event${arrived === 1 ? '' : 's'} arrived — `, link(`#/events${query(filters)}`, 'show the newest')]);
          }
        } while (again);
      } catch (e) {
        if (e.status !== 401) flash(`Live update failed: ${e.message}`, 'error');
      } finally {
        fetching = false;
      }
    }
    ctx.onCleanup(live.subscribe((frame) => { if (frame.type === 'connected' || frame.data) catchUp(); }));

    return h('div', null, h('h1', null, 'Events'), form, notice, tbl, pager);
  }

  async function eventView(id, ctx) {
    const [e, users] = await Promise.all([api('GET', `/api/admin/events/${seg(id)}`), usernames()]);
    const stream = e.stream || `${e.aggregate_type}-${e.aggregate_id}`;
    const envelope = h('table', { class: 'kv', id: 'event-envelope' }, h('tbody', null,
      h('tr', null, h('th', null, 'Position'), h('td', null, String(e.position))),
      h('tr', null, h('th', null, 'Event id'), h('td', null, h('code', null, e.event_id))),
      h('tr', null, h('th', null, 'Type'), h('td', { id: 'event-type' }, e.type)),
      h('tr', null, h('th', null, 'Stream'), h('td', null, link(`#/streams/${seg(stream)}`, stream), ` (version ${e.version})`)),
      h('tr', null, h('th', null, 'User'), h('td', null, users.get(e.user_id) || e.user_id || '—')),
      h('tr', null, h('th', null, 'Recorded'), h('td', null, when(e.created_at))),
      h('tr', null, h('th', null, 'Happened'), h('td', null, when(e.timestamp))),
      h('tr', null, h('th', null, 'Undoes'), h('td', { id: 'event-undoes' }, e.undoes ? link(`#/events/${seg(e.undoes)}`, e.undoes) : '—')),
      h('tr', null, h('th', null, 'Undone by'), h('td', { id: 'event-undone-by' }, e.undone_by && e.undone_by.length
        ? e.undone_by.map((u, i) => [i ? ', ' : '', link(`#/events/${seg(u)}`, u)]) : '—'))));
    const data = h('pre', { id: 'event-data', class: 'json' }, JSON.stringify(e.event_data, null, 2));
    const metadata = keyValues(e.metadata, 'event-metadata');
    return h('div', null,
      h('p', null, link('#/events', '← Events')),
      h('h1', null, `Event ${e.position}`),
      h('div', { class: 'columns' },
        h('section', { class: 'card' }, h('h2', null, 'Envelope'), envelope, h('h2', null, 'Metadata'), metadata),
        h('section', { class: 'card' }, h('h2', null, 'Data'), data)),
      undoPanel(e, ctx));
  }

  /** Undo with the plan first: a reason is required, the dry run is shown, then the operator confirms. */
  function undoPanel(e, ctx) {
    const isUndo = e.event_type === 'UNDO';
    const reason = h('textarea', { id: 'undo-reason', rows: 2, cols: 60, placeholder: 'Why (recorded with the UNDO event; required)' });
    const plan = h('div', { id: 'undo-plan' });
    const result = h('p', { id: 'undo-result', role: 'status' });
    const confirm = h('button', { type: 'button', id: 'undo-confirm', class: 'danger', disabled: true }, isUndo ? 'Confirm redo' : 'Confirm undo');
    const preview = h('button', { type: 'button', id: 'undo-preview' }, 'Show the plan');
    let planned = false;
    const ready = () => { confirm.disabled = !(planned && reason.value.trim()); };
    reason.addEventListener('input', ready);
    preview.addEventListener('click', async () => {
      result.textContent = '';
      result.className = '';
      preview.disabled = true;
      try {
        const p = await api('DELETE', `/api/admin/events/${seg(e.event_id)}?dry_run=true`);
        if (ctx.stale()) return;
        planned = !p.already_undone_by;
        plan.replaceChildren(planView(p));
      } catch (err) {
        planned = false;
        plan.replaceChildren(h('p', { class: 'error', id: 'undo-refused' }, err.message));
      } finally {
        preview.disabled = false;
        ready();
      }
    });
    confirm.addEventListener('click', async () => {
      const why = reason.value.trim();
      if (!why) { ready(); return; }
      confirm.disabled = true;
      try {
        const r = await api('DELETE', `/api/admin/events/${seg(e.event_id)}`, { reason: why });
        if (ctx.stale()) return;
        result.className = 'ok';
        result.replaceChildren();
        put(result, r.status === 'undone'
          ? ['Done: ', link(`#/events/${seg(r.undo_event_id)}`, `UNDO event at position ${r.position}`), ' recorded.']
          : ['Nothing to do: it was already undone by ', link(`#/events/${seg(r.already_undone_by || '')}`, r.already_undone_by || '?'), '.']);
        result.dataset.status = r.status;
        planned = false;
        plan.replaceChildren(planView(r));
      } catch (err) {
        result.className = 'error';
        result.textContent = err.message;
        ready();
      }
    });
    return h('section', { class: 'card', id: 'undo-card' },
      h('h2', null, isUndo ? 'Redo (undo this UNDO)' : 'Undo this event'),
      h('p', { class: 'muted' }, 'Undo appends an UNDO event; nothing is deleted. The plan shows the state and balances before and after.'),
      h('label', null, 'Reason ', reason),
      h('div', { class: 'actions' }, preview, confirm), plan, result);
  }

  function planView(p) {
    const before = p.before || {};
    const after = p.after || {};
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const same = (k) => JSON.stringify(before[k] ?? null) === JSON.stringify(after[k] ?? null);
    const state = h('table', { class: 'grid', id: 'plan-state' },
      h('thead', null, h('tr', null, h('th', null, 'field'), h('th', null, 'before'), h('th', null, 'after'))),
      h('tbody', null, keys.map((k) => h('tr', { class: same(k) ? null : 'changed' }, h('th', null, k), h('td', null, display(before[k])), h('td', null, display(after[k]))))));
    const balances = table([
      { title: 'Contact', cell: (c) => link(`#/streams/contact-${seg(c.contact_id)}`, short(c.contact_id)) },
      { title: 'Balance before', num: true, cell: (c) => money(c.before) },
      { title: 'after', num: true, cell: (c) => money(c.after) },
    ], p.balance_changes || [], { id: 'plan-balances', empty: 'No balance changes.' });
    const fate = !p.before && p.after ? 'It comes back into existence.' : p.before && !p.after ? 'It will no longer exist (its history stays in the log).' : null;
    return h('div', { class: 'plan' },
      p.already_undone_by ? h('p', { class: 'notice' }, 'Already undone by ', link(`#/events/${seg(p.already_undone_by)}`, p.already_undone_by), '.') : null,
      h('h3', null, p.redo ? 'Plan: redo' : 'Plan: undo', ` ${p.type} on ${p.stream}`),
      balances, h('p', { id: 'plan-total' }, `Change of the user's total: ${money(p.total_delta)}`),
      fate ? h('p', { class: 'notice', id: 'plan-fate' }, fate) : null, state);
  }

  // ---------------------------------------------------------------- streams, contacts, transactions, balances

  async function streamView(stream, ctx) {
    const s = await api('GET', `/api/admin/streams/${seg(stream)}`);
    const users = await usernames();
    const history = table([
      { title: 'Version', num: true, cell: (e) => String(e.version) },
      { title: 'Pos', num: true, cell: (e) => String(e.position) },
      { title: 'Recorded', cell: (e) => when(e.created_at) },
      { title: 'Type', cell: (e) => e.type },
      { title: 'Data', cell: (e) => h('span', { class: 'data' }, summary(e)) },
      { title: 'Live', cell: (e) => (e.live ? 'yes' : e.undone_by ? ['undone by ', link(`#/events/${seg(e.undone_by)}`, short(e.undone_by))] : 'no') },
      { title: 'Event', cell: (e) => link(`#/events/${seg(e.event_id)}`, short(e.event_id)) },
    ], s.events, { id: 'stream-history', rowClass: (e) => (e.live ? null : 'dead') });
    const owner = s.events.length ? users.get(s.events[0].user_id) : null;
    return h('div', null,
      h('p', null, link('#/events', '← Events')),
      h('h1', null, `Stream ${s.stream}`),
      h('p', { class: 'muted' }, `Version ${s.version}`, owner ? ` · owner ${owner}` : ''),
      h('div', { class: 'columns' },
        h('section', { class: 'card' }, h('h2', null, 'Current state'), s.state ? keyValues(s.state, 'stream-state') : h('p', { class: 'muted', id: 'stream-state' }, 'No current state (created event undone).')),
        h('section', { class: 'card wide' }, h('h2', null, 'History'), history)));
  }

  function listFilters(ctx, path, users, extra) {
    const p = ctx.params;
    return h('form', { class: 'filters', id: 'list-filters', onsubmit: (ev) => {
      ev.preventDefault();
      const data = new FormData(ev.target);
      go(`#/${path}${query({ user_id: data.get('user_id'), include_deleted: data.get('include_deleted') ? 'true' : '', limit: data.get('limit') })}`);
    } },
    h('label', null, 'User ', userSelect('user_id', p.get('user_id'), users)),
    h('label', null, h('input', { type: 'checkbox', name: 'include_deleted', id: 'f-include_deleted', checked: p.get('include_deleted') === 'true' }), ' include deleted'),
    h('label', null, 'Rows ', h('select', { name: 'limit', id: 'f-limit' }, [100, 500, 1000, 5000].map((n) => h('option', { value: String(n), selected: String(n) === (p.get('limit') || '1000') }, String(n))))),
    h('button', { type: 'submit' }, 'Apply'), extra || null);
  }

  function listQuery(ctx) {
    const p = ctx.params;
    return query({ user_id: p.get('user_id'), include_deleted: p.get('include_deleted'), limit: p.get('limit') || 1000 });
  }

  async function contactsView(ctx) {
    const [rows, users] = await Promise.all([api('GET', `/api/admin/contacts${listQuery(ctx)}`), usernames()]);
    return h('div', null, h('h1', null, 'Contacts'), listFilters(ctx, 'contacts', users),
      table([
        { title: 'Owner', cell: (c) => c.owner || users.get(c.user_id) || short(c.user_id) },
        { title: 'Name', cell: (c) => link(`#/streams/contact-${seg(c.id)}`, c.name || '(no name)') },
        { title: 'Phone', cell: (c) => c.phone || '' },
        { title: 'Email', cell: (c) => c.email || '' },
        { title: 'Balance', num: true, cell: (c) => money(c.balance) },
        { title: 'Version', num: true, cell: (c) => String(c.version) },
        { title: 'Updated', cell: (c) => when(c.updated_at) },
      ], rows, { id: 'contacts-table', rowClass: (c) => (c.is_deleted ? 'dead' : null), empty: 'No contacts.' }),
      h('p', { class: 'muted' }, `${rows.length} contact${rows.length === 1 ? '' : 's'}`));
  }

  async function transactionsView(ctx) {
    const [rows, users] = await Promise.all([api('GET', `/api/admin/transactions${listQuery(ctx)}`), usernames()]);
    return h('div', null, h('h1', null, 'Transactions'), listFilters(ctx, 'transactions', users),
      table([
        { title: 'Owner', cell: (t) => t.owner || users.get(t.user_id) || short(t.user_id) },
        { title: 'Contact', cell: (t) => link(`#/streams/contact-${seg(t.contact_id)}`, t.contact_name || short(t.contact_id)) },
        { title: 'Amount', num: true, cell: (t) => `${money(t.amount)} ${t.currency || ''}` },
        { title: 'Direction', cell: (t) => t.direction || '' },
        { title: 'Type', cell: (t) => t.type || '' },
        { title: 'Description', cell: (t) => t.description || '' },
        { title: 'Date', cell: (t) => t.transaction_date || '' },
        { title: 'Transaction', cell: (t) => link(`#/streams/transaction-${seg(t.id)}`, short(t.id)) },
      ], rows, { id: 'transactions-table', rowClass: (t) => (t.is_deleted ? 'dead' : null), empty: 'No transactions.' }),
      h('p', { class: 'muted' }, `${rows.length} transaction${rows.length === 1 ? '' : 's'}`));
  }

  async function balancesView(ctx) {
    const [totals, contacts] = await Promise.all([api('GET', '/api/admin/total-debt'), api('GET', `/api/admin/contacts${query({ user_id: ctx.params.get('user_id'), limit: 10000 })}`)]);
    const open = contacts.filter((c) => c.balance !== 0).sort((a, b) => Math.abs(b.balance) - Math.abs(a.balance));
    return h('div', null, h('h1', null, 'Balances'),
      h('p', { class: 'big', id: 'total-debt' }, 'Total across users: ', money(totals.total_debt)),
      h('div', { class: 'columns' },
        h('section', { class: 'card' }, h('h2', null, 'Per user'), table([
          { title: 'User', cell: (u) => link(`#/contacts${query({ user_id: u.user_id })}`, u.username || short(u.user_id)) },
          { title: 'Contacts', num: true, cell: (u) => String(u.contacts) },
          { title: 'Total', num: true, cell: (u) => money(u.total) },
        ], totals.users, { id: 'user-totals', rowData: (u) => ({ user: u.username || '' }) })),
        h('section', { class: 'card wide' }, h('h2', null, 'Open balances per contact'), table([
          { title: 'Owner', cell: (c) => c.owner || short(c.user_id) },
          { title: 'Contact', cell: (c) => link(`#/streams/contact-${seg(c.id)}`, c.name || '(no name)') },
          { title: 'Balance', num: true, cell: (c) => money(c.balance) },
        ], open, { id: 'contact-balances', rowData: (c) => ({ contact: c.id }), empty: 'Every balance is settled.' }))));
  }

  // ---------------------------------------------------------------- projections

  async function projectionsView(ctx) {
    const status = await api('GET', '/api/admin/projections/status');
    const statusBox = h('div', { id: 'projection-status' });
    const progress = h('div', { id: 'rebuild-progress', hidden: true }, h('progress', { id: 'rebuild-bar', max: 1, value: 0 }), h('span', { id: 'rebuild-text' }));
    const result = h('p', { id: 'rebuild-result', role: 'status' });
    const verifyResult = h('div', { id: 'verify-result', role: 'status' });
    let polling = null;

    function render(s) {
      statusBox.replaceChildren(
        h('p', { class: s.is_up_to_date ? 'ok' : 'notice', id: 'projections-health' },
          s.is_up_to_date ? 'Every projection is up to date' : 'Some projection is behind or failed', ` (head: position ${s.last_event_id}).`),
        table([
          { title: 'Projection', cell: (r) => r.name },
          { title: 'Checkpoint', num: true, cell: (r) => String(r.checkpoint) },
          { title: 'Head', num: true, cell: (r) => String(r.head) },
          { title: 'Lag', num: true, cell: (r) => String(r.lag) },
          { title: 'Rows', num: true, cell: (r) => String(r.rows) },
          { title: 'State', cell: (r) => h('span', { class: `state ${r.state}` }, r.state) },
          { title: 'Updated', cell: (r) => when(r.updated_at) },
          { title: 'Last rebuild', cell: (r) => (r.last_rebuild_at ? `${when(r.last_rebuild_at)} (${r.last_rebuild_events} events)` : '—') },
          { title: 'Last error', cell: (r) => r.last_error || '' },
        ], s.projections, { id: 'projections-table', rowData: (r) => ({ name: r.name, state: r.state }) }));
      const rb = s.rebuild;
      progress.hidden = !rb;
      if (rb) {
        $('rebuild-bar').max = Math.max(rb.total, 1);
        $('rebuild-bar').value = rb.processed;
        const eta = rb.events_per_second > 0 && rb.total > rb.processed ? ` · about ${Math.ceil((rb.total - rb.processed) / rb.events_per_second)} s left` : '';
        $('rebuild-text').textContent = ` ${rb.processed.toLocaleString('en')} / ${rb.total.toLocaleString('en')} events · ${rb.events_per_second.toLocaleString('en')} events/s${eta}`;
      }
    }

    async function poll() {
      try {
        const s = await api('GET', '/api/admin/projections/status');
        if (!ctx.stale()) render(s);
        return s;
      } catch (e) { return null; }
    }

    function startPolling() {
      if (polling) return;
      polling = setInterval(async () => {
        const s = await poll();
        if (s && !s.rebuild && !rebuilding) stopPolling();
      }, 500);
    }
    function stopPolling() { clearInterval(polling); polling = null; }
    ctx.onCleanup(stopPolling);

    let rebuilding = false;
    const rebuild = h('button', { type: 'button', id: 'rebuild' }, 'Rebuild projections…');
    const confirmRebuild = h('button', { type: 'button', id: 'rebuild-confirm', class: 'danger', hidden: true }, 'Rebuild now');
    const cancelRebuild = h('button', { type: 'button', id: 'rebuild-cancel', class: 'secondary', hidden: true }, 'Cancel');
    const askAgain = (asking) => { rebuild.hidden = asking; confirmRebuild.hidden = !asking; cancelRebuild.hidden = !asking; };
    rebuild.addEventListener('click', () => askAgain(true));
    cancelRebuild.addEventListener('click', () => askAgain(false));
    confirmRebuild.addEventListener('click', async () => {
      askAgain(false);
      rebuild.disabled = true;
      rebuilding = true;
      result.textContent = 'Rebuilding beside the live tables; they keep serving until the swap…';
      result.className = '';
      delete result.dataset.status;
      startPolling();
      try {
        const r = await api('POST', '/api/admin/projections/rebuild');
        result.className = 'ok';
        result.dataset.status = 'done';
        result.textContent = `Rebuild finished: ${r.events_processed.toLocaleString('en')} events processed, ${r.caught_up} caught up after the build, head ${r.head}.`;
      } catch (e) {
        result.className = 'error';
        result.dataset.status = 'failed';
        result.textContent = e.status === 409 || e.status === 423 ? `Another rebuild is running: ${e.message}` : `Rebuild failed: ${e.message}`;
      } finally {
        rebuilding = false;
        rebuild.disabled = false;
        stopPolling();
        await poll();
      }
    });

    const verify = h('button', { type: 'button', id: 'verify', class: 'secondary' }, 'Verify against the log');
    verify.addEventListener('click', async () => {
      verify.disabled = true;
      verifyResult.replaceChildren(h('p', null, 'Replaying the log…'));
      try {
        const r = await api('POST', '/api/admin/projections/verify');
        verifyResult.replaceChildren();
        put(verifyResult, [
          h('p', { class: r.drifts.length ? 'error' : 'ok', dataset: { drifts: String(r.drifts.length) } },
            r.drifts.length ? `${r.drifts.length} drifting row(s)` : 'No drift', ` after replaying ${r.events_replayed} events (head ${r.head}).`),
          r.drifts.length ? h('pre', { class: 'json' }, JSON.stringify(r.drifts, null, 2)) : null]);
      } catch (e) {
        verifyResult.replaceChildren(h('p', { class: 'error' }, e.message));
      } finally {
        verify.disabled = false;
      }
    });

    render(status);
    if (status.rebuild) startPolling();
    return h('div', null, h('h1', null, 'Projections'), statusBox,
      h('section', { class: 'card' }, h('h2', null, 'Rebuild'),
        h('p', { class: 'muted' }, 'Rebuilds every projection from the event log into new tables and swaps them in one transaction; reads keep working meanwhile.'),
        h('div', { class: 'actions' }, rebuild, confirmRebuild, cancelRebuild, verify), progress, result, verifyResult));
  }

  // ---------------------------------------------------------------- users

  async function usersView(ctx) {
    const users = await api('GET', '/api/admin/users');
    session.users = new Map(users.map((u) => [u.id, u.username]));
    const message = h('p', { id: 'user-message', role: 'status' });
    const form = h('form', { id: 'create-user', class: 'filters', autocomplete: 'off', onsubmit: async (ev) => {
      ev.preventDefault();
      const data = new FormData(ev.target);
      const body = { username: String(data.get('username') || '').trim(), password: String(data.get('password') || ''), is_admin: !!data.get('is_admin') };
      const email = String(data.get('email') || '').trim();
      if (email) body.email = email;
      try {
        const created = await api('POST', '/api/admin/users', body);
        flash(`Created ${created.username}.`);
        go('#/users');
      } catch (e) {
        message.className = 'error';
        message.textContent = e.message;
      }
    } },
    h('label', null, 'Username ', h('input', { name: 'username', id: 'new-username', required: true, autocomplete: 'off' })),
    h('label', null, 'Email ', h('input', { name: 'email', id: 'new-email', type: 'email', autocomplete: 'off' })),
    h('label', null, 'Password ', h('input', { name: 'password', id: 'new-password', type: 'password', required: true, autocomplete: 'new-password' })),
    h('label', null, h('input', { type: 'checkbox', name: 'is_admin', id: 'new-is-admin' }), ' admin'),
    h('button', { type: 'submit', id: 'create-user-submit' }, 'Create user'));
    return h('div', null, h('h1', null, 'Users'),
      h('section', { class: 'card' }, h('h2', null, 'New user'), form, message),
      table([
        { title: 'Username', cell: (u) => link(`#/users/${seg(u.id)}`, u.username) },
        { title: 'Email', cell: (u) => u.email || '' },
        { title: 'Admin', cell: (u) => (u.is_admin ? 'yes' : '') },
        { title: 'Events', num: true, cell: (u) => String(u.events) },
        { title: 'Created', cell: (u) => when(u.created_at) },
        { title: 'Deleted', cell: (u) => (u.deleted_at ? when(u.deleted_at) : '') },
      ], users, { id: 'users-table', rowClass: (u) => (u.deleted_at ? 'dead' : null), rowData: (u) => ({ user: u.username }) }));
  }

  async function userView(id, ctx) {
    const users = await api('GET', '/api/admin/users');
    session.users = new Map(users.map((u) => [u.id, u.username]));
    const user = users.find((u) => u.id === id);
    if (!user) throw new ApiError(404, `user ${id} not found`);
    const logs = await api('GET', `/api/admin/users/${seg(id)}/login-logs`);
    const message = h('p', { id: 'user-message', role: 'status' });
    const say = (text, kind) => { message.className = kind; message.textContent = text; };

    const password = h('input', { type: 'password', id: 'reset-password', autocomplete: 'new-password', placeholder: 'new password' });
    const reset = h('form', { id: 'reset-form', class: 'filters', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api('PUT', `/api/admin/users/${seg(id)}/password`, { password: password.value });
        password.value = '';
        say(`Password of ${user.username} changed.`, 'ok');
      } catch (e) { say(e.message, 'error'); }
    } }, h('label', null, 'Reset password ', password), h('button', { type: 'submit', id: 'reset-submit' }, 'Set password'));

    const backup = h('button', { type: 'button', id: 'backup', class: 'secondary' }, 'Download backup (ndjson)');
    backup.addEventListener('click', async () => {
      try {
        const response = await fetch(`/api/admin/users/${seg(id)}/backup`, { headers: { Authorization: `Bearer ${session.token}` }, cache: 'no-store' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const blob = await response.blob();
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: `backup-${user.username}-${id}.ndjson` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        say(`Backup of ${user.username} downloaded (${blob.size.toLocaleString('en')} bytes).`, 'ok');
      } catch (e) { say(`Backup failed: ${e.message}`, 'error'); }
    });

    const del = h('button', { type: 'button', id: 'delete-user', class: 'danger' }, 'Delete user…');
    const delConfirm = h('button', { type: 'button', id: 'delete-confirm', class: 'danger', hidden: true }, `Delete ${user.username} now`);
    del.addEventListener('click', () => { del.hidden = true; delConfirm.hidden = false; });
    delConfirm.addEventListener('click', async () => {
      try {
        await api('DELETE', `/api/admin/users/${seg(id)}`);
        flash(`Deleted ${user.username}.`);
        go('#/users');
      } catch (e) { say(e.message, 'error'); }
    });

    return h('div', null, h('p', null, link('#/users', '← Users')),
      h('h1', null, `User ${user.username}`),
      h('div', { class: 'columns' },
        h('section', { class: 'card' }, h('h2', null, 'Account'), keyValues({
          id: user.id, username: user.username, email: user.email, admin: user.is_admin, events: user.events, created: user.created_at, deleted: user.deleted_at,
        }, 'user-account'),
        h('p', null, link(`#/events${query({ user_id: id })}`, 'Events'), ' · ', link(`#/contacts${query({ user_id: id })}`, 'Contacts'), ' · ',
          link(`#/transactions${query({ user_id: id })}`, 'Transactions'))),
        h('section', { class: 'card' }, h('h2', null, 'Actions'), reset, h('div', { class: 'actions' }, backup, user.deleted_at ? null : del, delConfirm), message)),
      h('section', { class: 'card' }, h('h2', null, 'Login log (latest 200)'), table([
        { title: 'When', cell: (l) => when(l.at) },
        { title: 'Result', cell: (l) => (l.success ? 'success' : 'failed') },
        { title: 'Client', cell: (l) => l.client || '' },
        { title: 'User agent', cell: (l) => l.user_agent || '' },
      ], logs, { id: 'login-log', rowClass: (l) => (l.success ? null : 'dead'), empty: 'No logins recorded.' })));
  }

  // ---------------------------------------------------------------- start

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', () => logout(''));
    window.addEventListener('hashchange', route);
    if (session.token) start(); else logout('');
  });
})();
