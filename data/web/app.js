/* ecustoms web portal: one page, hash routes, the JSON API under /api/v1 for everything (no
 * logic here that the API does not have: every decision is the same call a machine makes).
 * Text is set with textContent only (never HTML built from data). */
'use strict';
(function () {
  const TZ = 'Asia/Ho_Chi_Minh';
  const S = { me: null, lang: localStorage.getItem('ecs.lang') || 'vi', poll: null, since: null };
  const main = document.getElementById('main');

  /* ---- texts, numbers, dates ---------------------------------------------------------------- */
  function t(k, vars) {
    let s = (I18N[S.lang] && I18N[S.lang][k]) || I18N.vi[k] || k;
    if (vars) for (const v in vars) s = s.replace('{' + v + '}', vars[v]);
    return s;
  }
  const locale = () => (S.lang === 'vi' ? 'vi-VN' : 'en-GB');
  function vnd(v) {
    if (v === null || v === undefined || v === '') return '';
    let n;
    try { n = BigInt(String(v)); } catch (e) { return String(v); }
    return new Intl.NumberFormat(locale()).format(n) + ' ₫';
  }
  function when(iso) {
    if (!iso) return '';
    return new Intl.DateTimeFormat(locale(), { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
  }
  function left(sec) {
    const neg = sec < 0, a = Math.abs(sec), h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60);
    const s = h + ' ' + t('hours') + ' ' + m + ' ' + t('minutes');
    return neg ? t('overdue') + ' ' + s : s;
  }
  const stName = (s) => (s ? t('st_' + s) : '');

  /* ---- DOM ------------------------------------------------------------------------------------ */
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids.flat(Infinity)) if (c !== null && c !== undefined && c !== false)
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function badge(ch) {
    return ch ? el('span', { class: 'badge ch-' + ch, 'data-channel': ch }, t('ch_' + ch)) : '';
  }
  function toast(msg) {
    const box = document.getElementById('toast'), d = el('div', {}, msg);
    box.append(d);
    setTimeout(() => d.remove(), 6000);
  }
  function table(caption, heads, rows, attrs) {
    return el('div', { class: 'scroll' }, el('table', attrs || {}, el('caption', {}, caption),
      el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col', class: h.num ? 'num' : null }, h.label || h)))),
      el('tbody', {}, rows)));
  }
  function field(id, label, input) {
    input.id = id;
    return el('div', {}, el('label', { for: id }, label), input);
  }
  function select(name, opts, value) {
    const s = el('select', { name });
    for (const [v, l] of opts) s.append(el('option', { value: v, selected: v === value ? true : null }, l));
    return s;
  }
  function errorsBox(body) {
    const errs = (body && body.errors) || [{ message: t('error') }];
    return el('ul', { class: 'errors', role: 'alert' }, errs.map((e) => el('li', {}, (e.path ? e.path + ': ' : '') + e.message)));
  }

  /* ---- API -------------------------------------------------------------------------------------- */
  async function api(method, path, body, raw) {
    const h = {};
    if (method !== 'GET') {
      if (S.me && S.me.csrf_token) h['X-CSRF-Token'] = S.me.csrf_token;
      h['Content-Type'] = 'application/json';
    }
    const r = await fetch('/api/v1' + path, { method, headers: h, credentials: 'same-origin',
      body: raw !== undefined ? raw : body !== undefined ? JSON.stringify(body) : undefined });
    let b = null;
    try { b = await r.json(); } catch (e) { b = null; }
    if (r.status === 401 && path !== '/session') { S.me = null; go('#/login'); }
    return { status: r.status, body: b };
  }

  /* ---- chrome: language, menu, who ------------------------------------------------------------- */
  function applyLang() {
    document.documentElement.lang = S.lang;
    document.title = 'ecustoms — ' + t('brand_sub');
    document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
    document.getElementById('lang-vi').setAttribute('aria-pressed', String(S.lang === 'vi'));
    document.getElementById('lang-en').setAttribute('aria-pressed', String(S.lang === 'en'));
  }
  function setLang(l) {
    S.lang = l;
    localStorage.setItem('ecs.lang', l);
    applyLang();
    chrome();
    route();
  }
  const isCustoms = () => S.me && ['officer', 'risk_officer', 'manager', 'admin'].includes(S.me.role);
  function menu() {
    if (!S.me) return [];
    const r = S.me.role, m = [];
    if (r === 'officer' || r === 'manager') m.push(['#/worklist', 'nav_worklist']);
    if (r === 'declarant') m.push(['#/mine', 'nav_mine'], ['#/submit', 'nav_submit']);
    m.push(['#/search', 'nav_search']);
    if (r === 'risk_officer') m.push(['#/rules', 'nav_rules']);
    if (isCustoms() && window.ECSDashboard) m.push(['#/dashboard', 'nav_dashboard']);
    if (isCustoms()) m.push(['#/calendar', 'nav_calendar']);
    return m;
  }
  function chrome() {
    const nav = document.getElementById('nav'), who = document.getElementById('who');
    nav.replaceChildren();
    who.replaceChildren();
    if (!S.me) return;
    const here = location.hash.split('?')[0];
    for (const [href, k] of menu())
      nav.append(el('a', { href, 'aria-current': here === href ? 'page' : null }, t(k)));
    who.append(el('span', { 'data-testid': 'who' }, S.me.name || S.me.party));
    if (S.me.roles && S.me.roles.length > 1) {
      const s = select('role', S.me.roles.map((x) => [x, x]), S.me.role);
      s.setAttribute('aria-label', t('role'));
      s.addEventListener('change', async () => {
        const r = await api('PUT', '/session', { role: s.value });
        if (r.status === 200) { S.me = r.body; chrome(); go('#/'); }
      });
      who.append(s);
    } else who.append(el('span', { class: 'muted-inv', 'data-testid': 'role' }, '(' + S.me.role + ')'));
    who.append(el('button', { type: 'button', id: 'sign-out', onclick: signOut }, t('sign_out')));
  }
  async function signOut() {
    await api('DELETE', '/session');
    S.me = null;
    S.since = null;
    stopPoll();
    chrome();
    go('#/login');
  }

  /* ---- routing ---------------------------------------------------------------------------------- */
  function go(h) { if (location.hash !== h) location.hash = h; else route(); }
  function params() {
    const q = location.hash.split('?')[1] || '';
    return Object.fromEntries(new URLSearchParams(q));
  }
  /* A view that waits for the server before it draws is drawn only if the address is still the
   * one it started at: an answer that comes after the user moved on (the declaration reloaded
   * after a decision, while the user already opened the worklist) must not replace the page they
   * went to. const still = here(); ... await ...; if (!still()) return; */
  function here() { const at = location.hash; return () => location.hash === at; }
  function page(title, ...kids) {
    stopPoll();
    main.replaceChildren(el('h1', {}, title), ...kids);
    main.focus();
  }
  async function route() {
    const h = location.hash || '#/';
    const path = h.split('?')[0];
    if (!S.me && path !== '#/login') {
      const r = await api('GET', '/session');
      if (r.status === 200 && r.body && r.body.username) S.me = r.body;
      chrome();
      if (!S.me) return showLogin();
    }
    chrome();
    if (path === '#/login') return S.me ? go('#/') : showLogin();
    if (path === '#/' || path === '#') return home();
    if (path === '#/worklist') return worklist();
    if (path === '#/search') return search(false);
    if (path === '#/mine') return search(true);
    if (path === '#/submit') return submitPage();
    if (path === '#/rules') return rules();
    if (path === '#/calendar' && isCustoms()) return calendarPage();
    if (path === '#/dashboard' && isCustoms() && window.ECSDashboard) return window.ECSDashboard(kit);
    const m = path.match(/^#\/d\/([0-9a-f]{11,32})$/);
    if (m) return declaration(m[1]);
    const am = path.match(/^#\/amend\/([0-9a-f]{11,32})$/);
    if (am && S.me.role === 'declarant') return amendPage(am[1]);
    return notFound();
  }
  function home() {
    const r = S.me.role;
    if (r === 'officer') return go('#/worklist');
    if (r === 'declarant') return go('#/mine');
    if (r === 'risk_officer') return go('#/rules');
    if (r === 'manager' && window.ECSDashboard) return go('#/dashboard');
    page(t('welcome') + ', ' + S.me.name, el('p', {}, t('home_text')));
  }
  function notFound() {
    page(t('not_found'), el('p', { 'data-testid': 'not-found' }, t('not_found_text')),
      el('p', {}, el('a', { href: '#/' }, t('back'))));
  }

  /* ---- sign-in ------------------------------------------------------------------------------- */
  function showLogin() {
    stopPoll();
    const f = el('form', { id: 'login-form', novalidate: true },
      field('username', t('username'), el('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' })),
      field('password', t('password'), el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      el('button', { type: 'submit', class: 'primary' }, t('sign_in')),
      el('p', { id: 'login-error', class: 'error', role: 'alert' }));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const err = f.querySelector('#login-error');
      err.textContent = t('signing_in');
      const r = await api('POST', '/session', { username: f.username.value.trim(), password: f.password.value });
      if (r.status === 200) {
        S.me = r.body;
        err.textContent = '';
        go('#/');
      } else {
        err.textContent = (r.body && r.body.errors && r.body.errors[0].message) || t('error');
        f.password.value = '';
        f.password.focus();
      }
    });
    // what a person typed into the page's first paint (index.html's form, before this script
    // ran) is kept, not lost with the form it was typed into
    const first = document.getElementById('login-form');
    let focus = 'username';
    if (first && first.username && first.password) {
      f.username.value = first.username.value;
      f.password.value = first.password.value;
      if (document.activeElement === first.password) focus = 'password';
    }
    main.replaceChildren(el('section', { id: 'login-page', class: 'card narrow', 'aria-labelledby': 'login-title' },
      el('h1', { id: 'login-title' }, t('sign_in_title')), f));
    f[focus].focus();
    f.dataset.ready = '1'; // the form this script answers (tests wait for it)
  }

  /* ---- lists ------------------------------------------------------------------------------------ */
  function filtersForm(p, fields, onSubmit) {
    const f = el('form', { class: 'filters card', role: 'search' });
    for (const [name, kind] of fields) {
      let input;
      if (name === 'channel') input = select('channel', [['', t('any')], ['green', t('ch_green')], ['yellow', t('ch_yellow')], ['red', t('ch_red')]], p.channel || '');
      else if (name === 'status') input = select('status', [['', t('any')], ...['provisional', 'registered', 'document_check', 'inspection', 'checked', 'cleared', 'passed_supervision', 'cancelled', 'rejected'].map((s) => [s, stName(s)])], p.status || '');
      else input = el('input', { name, type: kind || 'text', value: p[name] || '' });
      const box = field('f-' + name, t(name === 'q' ? 'search_label' : name), input);
      if (name === 'q') box.className = 'wide';
      f.append(box);
    }
    f.append(el('div', {}, el('button', { type: 'submit', class: 'primary' }, name0(fields) === 'q' ? t('search') : t('filter'))));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      for (const [name] of fields) if (f.elements[name].value) q.set(name, f.elements[name].value);
      onSubmit(q);
    });
    return f;
  }
  const name0 = (fields) => fields[0][0];

  function declLink(d) {
    return el('a', { href: '#/d/' + (d.number || d.id) }, d.number || d.id.slice(0, 12) + '…');
  }

  async function worklist() {
    const p = params(), queue = p.queue === 'inspection' ? 'inspection' : 'document-check';
    const tabs = el('nav', { class: 'tabs', 'aria-label': t('nav_worklist') },
      ['document-check', 'inspection'].map((q) => el('a', { href: '#/worklist?queue=' + q, 'aria-current': q === queue ? 'page' : null,
        'data-testid': 'tab-' + q }, t(q === 'inspection' ? 'q_insp' : 'q_docs'))));
    const box = el('div', { 'aria-live': 'polite' });
    page(t('nav_worklist'), tabs,
      filtersForm(p, [['office'], ['channel'], ['type_code'], ['enterprise'], ['from', 'date'], ['to', 'date']],
        (q) => { q.set('queue', queue); go('#/worklist?' + q.toString()); }), box);
    const q = new URLSearchParams(p);
    q.delete('queue');
    const r = await api('GET', '/worklists/' + queue + '?' + q.toString());
    if (r.status !== 200) return box.replaceChildren(errorsBox(r.body));
    const rows = r.body.items.map((d) => el('tr', { 'data-number': d.number },
      el('td', {}, declLink(d)), el('td', {}, d.enterprise_name || d.enterprise), el('td', {}, badge(d.channel)),
      el('td', {}, stName(d.status)), el('td', {}, d.type_code), el('td', {}, when(d.queue_since)),
      el('td', {}, when(d.due_at), d.extended_working_hours ? el('span', { 'data-testid': 'extended' },
        ' (' + t('extended') + ' +' + d.extended_working_hours + ' ' + t('hours_short') + ')') : ''),
      el('td', { class: d.overdue ? 'overdue' : null }, left(d.working_seconds_left)),
      el('td', { 'data-testid': 'holder' }, d.claimed_by ? d.claimed_by.name : t('none')),
      el('td', {}, S.me.role === 'officer' ? el('button', { type: 'button', 'data-testid': 'claim', onclick: async () => {
        const c = await api('POST', '/declarations/' + d.number + '/claim');
        if (c.status === 200) { toast(t('claimed') + ': ' + d.number); worklist(); } else toast(t('error') + ' ' + c.status);
      } }, t('claim')) : '')));
    box.replaceChildren(rows.length ? table(t(queue === 'inspection' ? 'q_insp' : 'q_docs') + ' — ' + (r.body.office || t('any')),
      [t('number'), t('enterprise'), t('channel'), t('status'), t('type_code'), t('queue_since'), t('due_at'),
        t('time_left') + ' (' + t('working') + ')', t('claimed_by'), ''], rows, { 'data-testid': 'worklist' })
      : el('p', {}, t('empty')));
  }

  function listTable(items, caption) {
    return table(caption, [t('number'), t('enterprise'), t('status'), t('channel'), t('type_code'), t('created_at'),
      { label: t('total_tax'), num: true }, t('awaiting'), t('claimed_by')],
    items.map((d) => el('tr', { 'data-id': d.id, 'data-number': d.number || '' },
      el('td', {}, declLink(d)), el('td', {}, d.enterprise_name || d.enterprise),
      el('td', { 'data-testid': 'status' }, stName(d.status)), el('td', { 'data-testid': 'channel' }, badge(d.channel)),
      el('td', {}, d.type_code), el('td', {}, when(d.created_at)), el('td', { class: 'num' }, vnd(d.total_tax)),
      el('td', {}, d.awaiting ? t('aw_' + d.awaiting) : ''), el('td', {}, d.claimed_by ? d.claimed_by.name : ''))),
    { 'data-testid': 'declarations' });
  }

  async function search(mine) {
    const p = params();
    const box = el('div', { 'aria-live': 'polite' });
    const fields = [['q', 'search'], ['status'], ['channel'], ['from', 'date'], ['to', 'date']];
    if (!mine && isCustoms()) fields.push(['office'], ['enterprise']);
    page(t(mine ? 'nav_mine' : 'nav_search'),
      filtersForm(p, fields, (q) => go((mine ? '#/mine?' : '#/search?') + q.toString())),
      mine ? el('p', { class: 'muted' }, t('live')) : '', box);
    const load = async () => {
      const items = [];
      let cursor = null;
      const more = el('button', { type: 'button', class: 'more' }, t('more'));
      const fetchPage = async () => {
        const q = new URLSearchParams(p);
        if (cursor) q.set('cursor', cursor);
        const r = await api('GET', '/declarations?' + q.toString());
        if (r.status !== 200) return box.replaceChildren(errorsBox(r.body));
        items.push(...r.body.items);
        cursor = r.body.next_cursor;
        box.replaceChildren(items.length ? listTable(items, t(mine ? 'nav_mine' : 'nav_search')) : el('p', {}, t('empty')),
          cursor ? more : '');
      };
      more.addEventListener('click', fetchPage);
      await fetchPage();
    };
    await load();
    if (mine) live(() => load());
  }

  /* Status changes of the enterprise's declarations (GET /notifications), polled every 2 s. */
  function live(onChange, onlyId) {
    stopPoll();
    // one cursor for the whole visit: a page that re-renders on a change must not see it again
    if (!S.since) S.since = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const tick = async () => {
      const r = await fetch('/api/v1/notifications?since=' + encodeURIComponent(S.since), { credentials: 'same-origin' });
      if (r.status !== 200) return;
      const b = await r.json();
      S.since = b.next;
      const mine = b.items.filter((n) => !onlyId || n.declaration_id === onlyId);
      if (mine.length) {
        for (const n of mine) toast(t('changed', { n: n.number || n.declaration_id.slice(0, 8), s: stName(n.to_status) }));
        onChange();
      }
    };
    S.poll = setInterval(() => { tick().catch(() => {}); }, 2000);
  }
  function stopPoll() { if (S.poll) clearInterval(S.poll); S.poll = null; }

  /* ---- the declaration form: a new declaration, or an amendment ---------------------------------- */
  // The fields a declarant fills on every declaration. An amendment starts from the declaration as
  // registered and keeps every member the form does not show (C/O, permits, producer, weights of
  // the items...) as it was; a field left empty is left out (the server says what is required).
  const HEAD = [
    ['kind', 'f_kind', 'select'], ['type_code', 'type_code'], ['customs_office', 'office'],
    ['importer.tax_code', 'f_importer_tax'], ['importer.name', 'f_importer_name'], ['importer.address', 'f_importer_address'],
    ['exporter.name', 'f_exporter_name'], ['exporter.country', 'f_exporter_country'], ['exporter.address', 'f_exporter_address'],
    ['transport.mode', 'f_mode', 'select'], ['transport.bills_of_lading', 'bl', 'list'], ['transport.containers', 'containers', 'list'],
    ['transport.port_of_loading', 'f_pol'], ['transport.port_of_discharge', 'f_pod'], ['transport.arrival_date', 'f_arrival', 'date'],
    ['transport.vessel', 'f_vessel'], ['packages.count', 'f_packages', 'int'], ['packages.unit', 'f_package_unit'],
    ['gross_weight_kg', 'f_gross'], ['invoice.number', 'invoice'], ['invoice.date', 'f_invoice_date', 'date'],
    ['invoice.currency', 'f_currency'], ['invoice.incoterm', 'f_incoterm'], ['invoice.total', 'f_invoice_total'],
    ['invoice.freight', 'f_freight'], ['invoice.insurance', 'f_insurance'],
  ];
  const ITEM = [['hs_code', 'hs'], ['description', 'description'], ['origin', 'origin'], ['quantity', 'quantity'],
    ['unit', 'f_unit'], ['unit_price', 'f_unit_price'], ['value', 'f_value'], ['condition', 'f_condition']];
  const MODES = [1, 2, 3, 4, 5, 6, 9];
  // what the view adds to a submitted item (taxes, customs value, line, permits used): not sent back
  const VIEW_ONLY = ['line', 'customs_value', 'taxes', 'permits_used'];
  const getPath = (o, p) => p.split('.').reduce((v, k) => (v == null ? undefined : v[k]), o);
  function setPath(o, p, v) {
    const ks = p.split('.'), last = ks.pop();
    let cur = o;
    for (const k of ks) cur = cur[k] && typeof cur[k] === 'object' ? cur[k] : (cur[k] = {});
    if (v === undefined) delete cur[last]; else cur[last] = v;
  }
  function declForm(base, submitLabel, onSubmit) {
    const f = el('form', { class: 'card', 'data-testid': 'decl-form', novalidate: true });
    const head = el('div', { class: 'grid2' });
    for (const [p, label, kind] of HEAD) {
      const name = 'h-' + p.replace(/\./g, '-'), v = getPath(base, p);
      let input;
      if (p === 'kind') input = select(name, [['import', t('import')], ['export', t('export')]], v || 'import');
      else if (p === 'transport.mode') input = select(name, MODES.map((m) => [String(m), m + ' — ' + t('mode_' + m)]), String(v || 2));
      else input = el('input', { name, type: kind === 'date' ? 'date' : 'text', inputmode: kind === 'int' ? 'numeric' : null,
        value: v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v) });
      head.append(field('f-' + name, t(label), input));
    }
    const rows = el('tbody', {});
    const itemRow = (it) => {
      const tr = el('tr', { 'data-testid': 'item-row' });
      tr._base = it;
      for (const [k, label] of ITEM) {
        const input = k === 'condition' ? select(k, [['new', t('new')], ['used', t('used')]], it[k] || 'new')
          : el('input', { name: k, value: it[k] === undefined ? '' : String(it[k]), 'aria-label': t(label), size: k === 'description' ? 24 : 8 });
        tr.append(el('td', {}, input));
      }
      tr.append(el('td', {}, el('button', { type: 'button', 'data-testid': 'item-remove', onclick: () => { tr.remove(); number(); } }, t('remove'))));
      return tr;
    };
    const number = () => [...rows.children].forEach((tr, i) => { tr.dataset.line = String(i + 1); });
    for (const it of (base.items && base.items.length ? base.items : [{}])) rows.append(itemRow(it));
    number();
    const add = el('button', { type: 'button', 'data-testid': 'item-add', onclick: () => { rows.append(itemRow({})); number(); } }, t('add_item'));
    f.append(el('h2', {}, t('d_header')), head, el('h2', {}, t('d_items')),
      el('div', { class: 'scroll' }, el('table', {}, el('caption', {}, t('d_items')),
        el('thead', {}, el('tr', {}, ITEM.map(([, label]) => el('th', { scope: 'col' }, t(label))), el('th', { scope: 'col' }, ''))), rows)),
      el('p', {}, add), el('button', { type: 'submit', class: 'primary' }, submitLabel));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = structuredClone(base);
      for (const [p, , kind] of HEAD) {
        const raw = f.elements['h-' + p.replace(/\./g, '-')].value.trim();
        let v = raw === '' ? undefined : raw;
        if (v !== undefined && kind === 'list') v = raw.split(',').map((x) => x.trim()).filter(Boolean);
        if (v !== undefined && (kind === 'int' || p === 'transport.mode')) v = /^\d+$/.test(raw) ? Number(raw) : raw;
        setPath(d, p, v);
      }
      d.items = [...rows.children].map((tr) => {
        const it = structuredClone(tr._base || {});
        for (const k of VIEW_ONLY) delete it[k];
        for (const [k] of ITEM) {
          const v = tr.querySelector('[name=' + k + ']').value.trim();
          if (v === '') delete it[k]; else it[k] = v;
        }
        return it;
      });
      onSubmit(d);
    });
    return f;
  }

  /* ---- submit ------------------------------------------------------------------------------------- */
  // Two ways: fill the form, or upload the JSON a declarant's own software wrote.
  async function declareAndRegister(out, body, raw) {
    out.replaceChildren(el('p', {}, t('submitting')));
    const c = await api('POST', '/declarations', body, raw);
    if (c.status !== 201) return out.replaceChildren(errorsBox(c.body));
    const r = await api('POST', '/declarations/' + c.body.id + '/register', undefined, '');
    if (r.status !== 200) return out.replaceChildren(errorsBox(r.body));
    go('#/d/' + r.body.number);
  }
  function submitPage() {
    const out = el('div', { 'aria-live': 'polite' });
    const input = el('input', { type: 'file', name: 'file', accept: 'application/json,.json', required: true });
    const upload = el('form', { class: 'card' }, el('h2', {}, t('upload_title')), field('decl-file', t('file'), input),
      el('button', { type: 'submit', class: 'primary' }, t('upload_submit')));
    upload.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!input.files.length) return out.replaceChildren(el('p', { class: 'error', role: 'alert' }, t('file')));
      // the file's exact bytes: the server keeps them as the legal record, and says what is wrong
      declareAndRegister(out, undefined, await input.files[0].text());
    });
    const today = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10); // Vietnam's date
    const blank = { kind: 'import', type_code: 'A11', importer: { tax_code: S.me.party }, transport: { mode: 2, arrival_date: today },
      invoice: { date: today, currency: 'USD' }, items: [{ unit: 'PCE', condition: 'new' }] };
    page(t('submit_title'), out, declForm(blank, t('submit'), (d) => declareAndRegister(out, d)), upload);
  }

  /* ---- amendment and cancellation by the declarant ------------------------------------------------- */
  async function amendPage(key) {
    const still = here();
    const d = await api('GET', '/declarations/' + key);
    if (!still()) return;
    if (d.status === 404) return notFound();
    if (d.status !== 200) return page(t('error'), errorsBox(d.body));
    const x = d.body, out = el('div', { 'aria-live': 'polite' });
    const base = Object.assign(structuredClone(x.declaration || {}), { items: structuredClone(x.items || []) });
    page(t('amend_title') + ' ' + (x.number || x.id), el('p', {}, t('amend_help')), out,
      declForm(base, t('amend_send'), async (body) => {
        const r = await api('POST', '/declarations/' + (x.number || x.id) + '/amendments', body);
        if (r.status !== 200) return out.replaceChildren(errorsBox(r.body));
        toast(r.body.status === 'amendment_review' ? t('amend_review') : t('done'));
        go('#/d/' + x.id);
      }));
  }
  const CANCEL_REASONS = ['H01', 'H02', 'H03', 'H04', 'H05', 'H06', 'H07', 'H08'];
  const FINAL = ['cancelled', 'rejected', 'invalidated', 'expired', 'passed_supervision'];

  /* ---- declaration page ------------------------------------------------------------------------- */
  function featureText(c) {
    const F = I18N_FEATURES[S.lang], name = c.feature, v = c.value;
    const dot = name.lastIndexOf('.');
    const key = name.slice(0, dot), metric = name.slice(dot + 1);
    if (F.keys[key] && F.metrics[metric]) {
      let val = v === null ? '—' : metric === 'rate' ? Math.round(v * 100) + ' %' : Math.round(v);
      return F.metrics[metric].replace('{k}', F.keys[key]).replace('{v}', val);
    }
    const label = F.plain[name] || name;
    let val = v === null ? '—' : name.endsWith('.log') ? new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(Math.expm1(v)) : +v.toFixed(2);
    return label + ': ' + val;
  }
  function section(title, ...kids) {
    return el('section', { class: 'card', 'aria-label': title }, el('h2', {}, title), ...kids);
  }
  function kv(pairs) {
    return el('dl', { class: 'kv' }, pairs.filter((p) => p[1] !== undefined && p[1] !== null && p[1] !== '')
      .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  }
  const TAXES = ['import_duty', 'trade_remedy', 'sct', 'ept', 'vat'];
  const TAXN = { vi: { import_duty: 'Thuế nhập khẩu', trade_remedy: 'Phòng vệ thương mại', sct: 'Thuế TTĐB', ept: 'Thuế BVMT', vat: 'Thuế GTGT', total: 'Tổng' },
    en: { import_duty: 'Import duty', trade_remedy: 'Trade remedy', sct: 'Special consumption tax', ept: 'Environmental protection tax', vat: 'VAT', total: 'Total' } };

  async function declaration(key) {
    const still = here();
    const [d, ev, led, att] = await Promise.all([api('GET', '/declarations/' + key), api('GET', '/declarations/' + key + '/events'),
      api('GET', '/declarations/' + key + '/ledger'), api('GET', '/declarations/' + key + '/attachments')]);
    if (!still()) return;
    if (d.status === 404) return notFound();
    if (d.status !== 200) return page(t('error'), errorsBox(d.body));
    const x = d.body, h = x.declaration || {}, tr = h.transport || {};
    const claim = (ev.body && ev.body.events || []).filter((e) => e.action === 'claim').pop();
    const header = section(t('d_header'), el('div', { class: 'grid2' },
      kv([[t('number'), el('span', { 'data-testid': 'number' }, x.number || x.id)], [t('status'), el('strong', { 'data-testid': 'status' }, stName(x.status))],
        [t('channel'), el('span', { 'data-testid': 'channel' }, badge(x.channel))], [t('type_code'), x.type_code + ' (' + x.kind + ')'],
        [t('office'), x.customs_office], [t('amendment'), String(x.amendment)],
        [t('claimed_by'), claim && claim.detail ? el('span', { 'data-testid': 'holder' }, claim.detail.user_name) : null]]),
      kv([[t('importer'), h.importer ? (h.importer.name || '') + ' — ' + (h.importer.tax_code || '') : null],
        [t('exporter'), h.exporter ? (h.exporter.name || '') + (h.exporter.country ? ' (' + h.exporter.country + ')' : '') : null],
        [t('declarant'), x.declarant], [t('invoice'), h.invoice ? h.invoice.number + ' — ' + (h.invoice.date || '') : null],
        [t('bl'), (tr.bills_of_lading || []).join(', ')], [t('containers'), (tr.containers || []).join(', ')],
        [t('created_at'), when(x.created_at)], [t('registered_at'), when(x.registered_at)], [t('cleared_at'), when(x.cleared_at)],
        [t('customs_value'), vnd(x.customs_value)]])));
    const TN = TAXN[S.lang];
    const taxList = (it) => el('ul', {}, TAXES.filter((k) => it.taxes && it.taxes[k] && it.taxes[k].amount !== '0').map((k) =>
      el('li', {}, TN[k] + ': ' + it.taxes[k].rate + ' — ' + vnd(it.taxes[k].amount) +
        (it.taxes[k].legal_ref ? ' — ' + it.taxes[k].legal_ref : '') + (it.taxes[k].note ? ' (' + it.taxes[k].note + ')' : ''))));
    const itemRows = (x.items || []).map((it) => el('tr', {}, el('td', {}, String(it.line)), el('td', {}, it.hs_code),
      el('td', {}, it.description), el('td', {}, it.origin), el('td', {}, (it.quantity || '') + ' ' + (it.unit || '')),
      el('td', { class: 'num' }, vnd(it.customs_value)), el('td', {}, taxList(it))));
    const items = section(t('d_items'), table(t('d_items'), [t('line'), t('hs'), t('description'), t('origin'), t('quantity'),
      { label: t('customs_value'), num: true }, t('tax') + ' — ' + t('rate') + ' — ' + t('amount') + ' — ' + t('basis')], itemRows),
    el('p', {}, el('strong', {}, TN.total + ': ' + vnd(x.taxes && x.taxes.total && x.taxes.total.amount))));
    const riskKids = [x.reasons && x.reasons.length ? el('ul', {}, x.reasons.map((r) => el('li', {}, [r.code, r.rule_name || r.name, r.message || r.text].filter(Boolean).join(' — '))))
      : el('p', {}, t('no_reasons'))];
    if (x.risk_model) {
      const m = x.risk_model;
      riskKids.push(el('h3', {}, t('d_model')), el('p', {}, t('probability') + ': ' + Math.round(m.probability * 100) + ' %'),
        el('ul', { 'data-testid': 'explanation' }, (m.contributions || []).map((c) => el('li', {}, featureText(c) + ' — ' + (c.contribution > 0 ? t('raises') : t('lowers'))))));
    }
    const permits = [];
    for (const it of x.items || []) {
      for (const p of it.permits_used || []) permits.push(el('li', {}, t('line') + ' ' + it.line + ': ' + (p.permit || p.number || JSON.stringify(p)) + (p.quantity ? ' — ' + p.quantity : '')));
      if (it.certificate_of_origin) permits.push(el('li', {}, t('line') + ' ' + it.line + ': ' + t('co') + ' ' + it.certificate_of_origin.form + ' ' + it.certificate_of_origin.number));
    }
    // specialised inspection (issue 14): a before_clearance procedure still pending blocks clearance,
    // so the officer sees which agency's result is awaited before pressing Clear
    const owed = (x.procedures_owed || []).length ? section(t('d_owed'), table(t('d_owed'),
      [t('line'), t('hs'), t('agency'), t('procedure'), t('stage'), t('status'), t('detail')],
      x.procedures_owed.map((o) => el('tr', { 'data-status': o.status, 'data-stage': o.stage },
        el('td', {}, String(o.line)), el('td', {}, o.hs_code), el('td', {}, o.agency),
        el('td', {}, (o.procedure ? o.procedure + ' — ' : '') + o.legal_ref), el('td', {}, t(o.stage) || o.stage),
        el('td', {}, t('st_' + o.status) || o.status),
        el('td', {}, (o.results || []).map((r) => r.result + ' ' + r.certificate + ' ' + r.date).join('; ') + (o.deadline ? ' ≤ ' + o.deadline : '')))),
      { 'data-testid': 'procedures-owed' })) : '';
    const mc = x.manifest_check;
    const manifest = mc ? section(t('d_manifest'), el('p', {}, mc.status === 'ok' || mc.status === 'matched' ? t('manifest_ok') : t('manifest_bad') + ' (' + mc.status + ')'),
      mc.missing_bills_of_lading && mc.missing_bills_of_lading.length ? el('p', {}, t('bl') + ': ' + mc.missing_bills_of_lading.join(', ')) : '',
      (mc.differences || []).length ? el('ul', {}, mc.differences.map((df) => el('li', {}, JSON.stringify(df)))) : '') : '';
    const L = led.status === 200 ? led.body : null;
    const ledger = L ? section(t('d_ledger'), kv([[t('assessed'), vnd(L.assessed)], [t('paid'), vnd(L.paid)],
      [t('outstanding'), el('span', { 'data-testid': 'outstanding' }, vnd(L.outstanding))]]),
    table(t('d_ledger'), [t('at'), t('action'), { label: t('amount'), num: true }, t('detail')], (L.entries || []).map((e) =>
      el('tr', {}, el('td', {}, when(e.at)), el('td', {}, e.kind), el('td', { class: 'num' }, vnd(e.amount)), el('td', {}, e.note || ''))))) : '';
    const events = section(t('d_events'), table(t('d_events'), [t('at'), t('action'), t('status'), t('who'), t('detail')],
      ((ev.body && ev.body.events) || []).map((e) => el('tr', {}, el('td', {}, when(e.at)), el('td', {}, e.action),
        el('td', {}, (e.from_status && e.from_status !== e.to_status ? stName(e.from_status) + ' → ' : '') + stName(e.to_status)),
        el('td', { 'data-testid': 'event-who' }, (e.detail && e.detail.user_name ? e.detail.user_name + ' — ' : '') + e.role + ' ' + e.actor),
        el('td', {}, e.detail ? Object.entries(e.detail).filter(([k]) => k !== 'user' && k !== 'user_name').map(([k, v]) => k + ': ' + (typeof v === 'object' ? JSON.stringify(v) : v)).join('; ') : ''))),
    { 'data-testid': 'events' }));
    let versions = '';
    if (x.amendment > 0) {
      const v = await api('GET', '/declarations/' + key + '/versions');
      if (v.status === 200) versions = versionsSection(v.body);
    }
    page(t('number') + ' ' + (x.number || x.id), header, decisions(x), items, section(t('d_risk'), ...riskKids),
      permits.length ? section(t('d_permits'), el('ul', {}, permits)) : '',
      att.status === 200 ? attachmentsSection(key, att.body, () => declaration(key), x) : '', owed, manifest, ledger, versions, events);
    if (S.me.role === 'declarant') live(() => declaration(key), x.id);
  }

  /* Documents attached to the declaration (issue 16): every reader sees the list and opens a document
   * (the server sends its bytes with their type, after re-hashing them); the declarant uploads the
   * dossier's documents, the officer inspection photos and scanner images. */
  const DOC_KINDS = {
    declarant: ['invoice', 'packing_list', 'bill_of_lading', 'contract', 'certificate_of_origin', 'permit',
      'value_declaration', 'photo'],
    officer: ['inspection_photo', 'scanner_image'],
  };
  const DOC_TYPES = { pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', xml: 'application/xml' };
  // the declarant deletes or replaces its own documents until the declaration is cleared (the
  // server refuses from then on: 409 attachment_locked)
  const LOCKED = ['cleared', 'passed_supervision', 'rejected', 'cancelled', 'invalidated', 'expired'];
  const typeOf = (f) => f.type || DOC_TYPES[(f.name.split('.').pop() || '').toLowerCase()] || 'application/octet-stream';
  function attachmentsSection(key, list, reload, decl) {
    const items = (list && list.attachments) || [];
    const base = '/api/v1/declarations/' + encodeURIComponent(key) + '/attachments';
    const changeable = S.me && S.me.role === 'declarant' && decl && !decl.cleared_at && !LOCKED.includes(decl.status);
    const msg = el('div', { 'aria-live': 'polite', 'data-testid': 'attach-msg' });
    async function change(method, url, init, done) {
      const r = await fetch(url, Object.assign({ method, credentials: 'same-origin' }, init));
      let b = null;
      try { b = await r.json(); } catch (e) { b = null; }
      msg.replaceChildren();
      if (r.status === 200) { toast(done); reload(); } else msg.append(errorsBox(b));
    }
    const actions = (a) => {
      if (!changeable || !DOC_KINDS.declarant.includes(a.kind)) return el('td', {});
      const del = el('button', { type: 'button', 'data-testid': 'attachment-delete', 'aria-label': t('att_delete') + ' ' + a.filename,
        onclick: () => {
          if (!window.confirm(t('att_confirm_delete') + '\n' + a.filename)) return;
          change('DELETE', base + '/' + a.id, { headers: { 'X-CSRF-Token': S.me.csrf_token } }, t('att_deleted') + ': ' + a.filename);
        } }, t('att_delete'));
      const file = el('input', { type: 'file', class: 'visually-hidden', 'data-testid': 'attachment-replace-file',
        accept: '.pdf,.jpg,.jpeg,.png,.xml,application/pdf,image/jpeg,image/png,application/xml',
        'aria-label': t('att_replace') + ' ' + a.filename,
        onchange: () => {
          const f = file.files[0];
          if (!f) return;
          change('PUT', base + '/' + a.id + '?filename=' + encodeURIComponent(f.name),
            { headers: { 'Content-Type': typeOf(f), 'X-CSRF-Token': S.me.csrf_token }, body: f }, t('att_replaced') + ': ' + f.name);
        } });
      const rep = el('button', { type: 'button', 'data-testid': 'attachment-replace', onclick: () => file.click() }, t('att_replace'));
      return el('td', {}, del, ' ', rep, file);
    };
    const rows = items.map((a) => el('tr', { 'data-sha256': a.sha256, 'data-id': a.id }, el('td', {}, when(a.at)),
      el('td', {}, t('k_' + a.kind) || a.kind),
      el('td', {}, el('a', { href: a.href, target: '_blank', rel: 'noopener', 'data-testid': 'attachment-link' }, a.filename)),
      el('td', { class: 'num' }, Math.ceil(a.size / 1024).toLocaleString(S.lang === 'vi' ? 'vi-VN' : 'en-GB') + ' KiB'),
      el('td', {}, (a.username ? a.username + ' — ' : '') + a.role + ' ' + a.party),
      el('td', {}, el('code', { title: a.sha256 }, a.sha256.slice(0, 16) + '…')),
      changeable ? actions(a) : ''));
    const heads = [t('at'), t('kind'), t('att_file'), { label: t('att_size'), num: true }, t('who'), 'SHA-256'];
    if (changeable) heads.push(t('att_actions'));
    const kids = [items.length ? table(t('d_attachments'), heads, rows, { 'data-testid': 'attachments' })
      : el('p', { 'data-testid': 'attachments-none' }, t('att_none')), msg];
    const kinds = S.me && DOC_KINDS[S.me.role];
    if (kinds) {
      const msg = el('div', { 'aria-live': 'polite' });
      const file = el('input', { type: 'file', name: 'file', required: true,
        accept: '.pdf,.jpg,.jpeg,.png,.xml,application/pdf,image/jpeg,image/png,application/xml' });
      const form = el('form', { 'data-testid': 'attach-form', onsubmit: async (ev) => {
        ev.preventDefault();
        const f = file.files[0];
        if (!f) return;
        const kind = form.elements.kind.value;
        const type = typeOf(f);
        const r = await fetch('/api/v1/declarations/' + encodeURIComponent(key) + '/attachments?kind=' + encodeURIComponent(kind) +
          '&filename=' + encodeURIComponent(f.name), { method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': type, 'X-CSRF-Token': S.me.csrf_token }, body: f });
        let b = null;
        try { b = await r.json(); } catch (e) { b = null; }
        msg.replaceChildren();
        if (r.status === 201) { toast(t('att_uploaded') + ': ' + f.name); reload(); } else msg.append(errorsBox(b));
      } },
      field('att-kind', t('kind'), select('kind', kinds.map((k) => [k, t('k_' + k)]), kinds[0])),
      field('att-file', t('att_file') + ' (PDF, JPEG, PNG, XML ≤ 4 MiB)', file),
      el('button', { type: 'submit', 'data-testid': 'attach-submit' }, t('att_upload')), msg);
      kids.push(form);
    }
    return section(t('d_attachments'), ...kids);
  }

  /* Amendments side by side: what each one changed, field by field (from the stored versions). */
  function flatten(o, prefix, out) {
    if (o && typeof o === 'object') {
      for (const k of Object.keys(o)) flatten(o[k], prefix ? prefix + (Array.isArray(o) ? '[' + k + ']' : '.' + k) : k, out);
    } else out[prefix] = o === null || o === undefined ? '' : String(o);
    return out;
  }
  function versionsSection(b) {
    // the versions in force one after the other (superseded, then in force), by amendment
    const all = b.versions.filter((v) => v.status === 'superseded' || v.status === 'in_force')
      .sort((x, y) => x.amendment - y.amendment);
    const rows = [];
    for (let i = 1; i < all.length; i++) {
      const a = flatten({ declaration: all[i - 1].declaration, taxes: all[i - 1].taxes }, '', {});
      const c = flatten({ declaration: all[i].declaration, taxes: all[i].taxes }, '', {});
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(c)])].sort())
        if (a[k] !== c[k]) rows.push(el('tr', {}, el('td', {}, String(all[i].amendment)), el('td', {}, k),
          el('td', {}, a[k] === undefined ? '—' : a[k]), el('td', {}, c[k] === undefined ? '—' : c[k])));
    }
    return section(t('d_versions'), table(t('d_versions'), [t('amendment'), t('detail'), t('before'), t('after')], rows,
      { 'data-testid': 'versions' }));
  }

  /* Decisions: the buttons the status allows; each posts to the API and reloads. */
  function decisions(x) {
    const box = el('div', { class: 'actions' }), out = el('div', { 'aria-live': 'polite' });
    const post = async (path, body) => {
      const r = await api('POST', '/declarations/' + (x.number || x.id) + path, body);
      if (r.status === 200) { toast(t('done')); declaration(x.number || x.id); } else out.replaceChildren(errorsBox(r.body));
    };
    const btn = (label, id, fn, cls) => el('button', { type: 'button', 'data-testid': id, class: cls || null, onclick: fn }, label);
    const form = (id, title, inputs, build, cls) => {
      const f = el('form', { 'data-testid': id }, ...inputs, el('button', { type: 'submit', class: cls || null }, title));
      f.addEventListener('submit', (ev) => { ev.preventDefault(); post('/decisions', build(f)); });
      return f;
    };
    const role = S.me.role, st = x.status, n = x.number;
    if (role === 'officer' && n) {
      if (['registered', 'document_check', 'inspection', 'checked'].includes(st))
        box.append(btn(t('claim'), 'claim', () => post('/claim')));
      if (st === 'registered' && x.channel !== 'green')
        box.append(btn(t('start_doc'), 'start-doc', () => post('/decisions', { decision: 'start_document_check' })));
      if (st === 'document_check') {
        box.append(btn(t('doc_pass'), 'doc-pass', () => post('/decisions', { decision: 'document_check', passed: true })));
        box.append(form('doc-fail', t('doc_fail'), [field('fail-note', t('reason'), el('input', { name: 'note', required: true }))],
          (f) => ({ decision: 'document_check', passed: false, note: f.note.value }), 'danger'));
      }
      if (st === 'inspection') {
        // the facts found per item: what differs from the declaration is sent, and the server
        // computes the taxes again from the corrected items (or an amount, when none differs)
        const FOUND = ['hs_code', 'origin', 'quantity', 'unit_price', 'value'];
        const found = table(t('reassess'), [t('line'), t('hs'), t('origin'), t('quantity'), t('f_unit_price'), t('f_value')],
          (x.items || []).map((it) => el('tr', { 'data-line': it.line }, el('td', {}, String(it.line)),
            FOUND.map((k) => el('td', {}, el('input', { name: 'found-' + it.line + '-' + k, value: it[k] || '', size: 9,
              'aria-label': t('line') + ' ' + it.line + ': ' + t(k === 'hs_code' ? 'hs' : k === 'unit_price' ? 'f_unit_price' : k === 'value' ? 'f_value' : k)
            }))))), { 'data-testid': 'reassess' });
        box.append(form('inspection', t('record_insp'), [
          el('label', {}, el('input', { type: 'checkbox', name: 'violation', id: 'insp-violation' }), ' ' + t('violation')),
          field('insp-findings', t('findings'), el('textarea', { name: 'findings', rows: 3 })), found,
          field('insp-tax', t('additional_tax'), el('input', { name: 'additional_tax', inputmode: 'numeric' }))],
        (f) => {
          const b = { decision: 'inspection', violation: f.violation.checked, findings: f.findings.value };
          const re = [];
          for (const it of x.items || []) {
            const c = { line: it.line };
            for (const k of FOUND) {
              const v = f.elements['found-' + it.line + '-' + k].value.trim();
              if (v !== (it[k] || '')) c[k] = v;
            }
            if (Object.keys(c).length > 1) re.push(c);
          }
          if (re.length) b.reassessment = re;
          if (f.additional_tax.value) b.additional_tax = f.additional_tax.value.replace(/[^0-9]/g, '');
          return b;
        }));
      }
      if (st === 'checked' || (st === 'registered' && x.channel === 'green'))
        box.append(btn(t('clear'), 'clear', () => post('/decisions', { decision: 'clear' })));
      if (st === 'checked' || st === 'inspection')
        box.append(form('reject', t('reject'), [field('rej-findings', t('findings'), el('input', { name: 'findings' }))],
          (f) => ({ decision: 'reject', findings: f.findings.value }), 'danger'));
    }
    // the head of the customs office extends a physical inspection (Customs Law 2014 Art. 23:
    // a large or complex consignment, at most two working days in all)
    if (role === 'manager' && n && st === 'inspection') {
      const f = el('form', { 'data-testid': 'extend' },
        field('ext-hours', t('ext_hours'), el('input', { name: 'working_hours', type: 'number', min: 1, max: 16, value: 8, required: true })),
        field('ext-reason', t('reason'), el('input', { name: 'reason', required: true })),
        el('button', { type: 'submit' }, t('extend_insp')));
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        post('/inspection-extension', { working_hours: Number(f.working_hours.value), reason: f.reason.value.trim() });
      });
      box.append(f);
    }
    if (role === 'declarant' && st === 'provisional')
      box.append(btn(t('register'), 'register', async () => {
        const r = await api('POST', '/declarations/' + x.id + '/register', undefined, '');
        if (r.status === 200) go('#/d/' + r.body.number); else out.replaceChildren(errorsBox(r.body));
      }));
    if (role === 'declarant' && n && !FINAL.includes(st)) {
      box.append(el('a', { href: '#/amend/' + n, class: 'button', 'data-testid': 'amend' }, t('amend')));
      const f = el('form', { 'data-testid': 'cancel' },
        field('cancel-code', t('cancel_reason'), select('reason_code', CANCEL_REASONS.map((c) => [c, c + ' — ' + t('cancel_' + c)]), 'H07')),
        field('cancel-note', t('reason'), el('input', { name: 'reason' })),
        el('button', { type: 'submit', class: 'danger' }, t('cancel_decl')));
      f.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const body = { reason_code: f.reason_code.value };
        if (f.reason.value.trim()) body.reason = f.reason.value.trim();
        const r = await api('POST', '/declarations/' + n + '/cancellation', body);
        if (r.status === 200) { toast(t('done')); declaration(n); } else out.replaceChildren(errorsBox(r.body));
      });
      box.append(f);
    }
    return box.childNodes.length ? section(role === 'declarant' ? t('d_actions') : t('d_decide'), box, out) : '';
  }

  /* ---- the working-day calendar of the legal time limits -------------------------------------------- */
  // Every customs role reads it (the worklists' deadlines come from it); the administrator sets a day
  // when the government announces a year's holidays and swapped days.
  async function calendarPage() {
    const p = params(), year = /^\d{4}$/.test(p.year || '') ? p.year : new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 4);
    const still = here();
    const r = await api('GET', '/calendar?from=' + year + '-01-01&to=' + year + '-12-31');
    if (!still()) return;
    if (r.status !== 200) return page(t('calendar_title'), errorsBox(r.body));
    const out = el('div', { 'aria-live': 'polite' });
    const years = el('p', {}, [-1, 0, 1].map((k) => String(Number(year) + k)).flatMap((y, i) =>
      [i ? ' · ' : '', el('a', { href: '#/calendar?year=' + y, 'aria-current': y === year ? 'page' : null }, y)]));
    const rows = r.body.days.map((d) => el('tr', { 'data-date': d.date, 'data-kind': d.kind }, el('td', {}, d.date),
      el('td', {}, t('cal_' + d.kind)), el('td', {}, d.name), el('td', {}, d.basis), el('td', {}, t('cal_' + d.status) || d.status),
      el('td', {}, d.source)));
    const list = table(t('calendar_title') + ' ' + year, [t('cal_date'), t('cal_kind'), t('cal_name'), t('basis'), t('cal_status'), t('cal_source')],
      rows, { 'data-testid': 'calendar' });
    let form = '';
    if (S.me.role === 'admin') {
      form = el('form', { class: 'card', 'data-testid': 'calendar-form' }, el('h2', {}, t('cal_set')),
        el('div', { class: 'grid2' },
          field('cal-date', t('cal_date'), el('input', { name: 'date', type: 'date', required: true })),
          field('cal-kind', t('cal_kind'), select('kind', ['holiday', 'workday', 'normal'].map((k) => [k, t('cal_' + k)]), 'holiday')),
          field('cal-name', t('cal_name'), el('input', { name: 'name', required: true })),
          field('cal-basis', t('basis'), el('input', { name: 'basis' })),
          field('cal-status', t('cal_status'), select('status', ['official', 'statutory', 'provisional'].map((k) => [k, t('cal_' + k)]), 'official'))),
        el('button', { type: 'submit', class: 'primary' }, t('cal_save')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const body = { kind: form.kind.value, name: form.name.value, status: form.status.value };
        if (form.basis.value) body.basis = form.basis.value;
        const x = await api('PUT', '/calendar/' + form.date.value, body);
        if (x.status !== 200) return out.replaceChildren(errorsBox(x.body));
        toast(t('done'));
        go('#/calendar?year=' + form.date.value.slice(0, 4));
        if (form.date.value.slice(0, 4) === year) calendarPage();
      });
    }
    page(t('calendar_title'), el('p', {}, t('cal_help')), years, out, form, list);
  }

  /* ---- risk officers ------------------------------------------------------------------------------ */
  // editing: the rule being changed (its row's Edit button), whose values fill the form; Save sends the
  // whole rule back (PUT replaces it), with the form's fields changed
  async function rules(editing) {
    const still = here();
    const [r, m, h] = await Promise.all([api('GET', '/risk/rules'), api('GET', '/risk/models'), api('GET', '/risk/hit-rates')]);
    if (!still()) return;
    if (r.status !== 200) return page(t('rules_title'), errorsBox(r.body));
    const list = r.body.rules || [];
    const out = el('div', { 'aria-live': 'polite' });
    const retire = (x) => async () => {
      const d = await api('DELETE', '/risk/rules/' + x.id);
      if (d.status === 200) { toast(t('done')); rules(); } else out.replaceChildren(errorsBox(d.body));
    };
    const rows = list.map((x) => el('tr', { 'data-rule': String(x.id) }, el('td', {}, String(x.id)), el('td', {}, x.name),
      el('td', {}, [x.hs_prefix, x.origin, x.importer].filter(Boolean).join(' / ')),
      el('td', { class: 'num' }, x.max_unit_value_vnd !== '0' ? vnd(x.max_unit_value_vnd) : ''),
      el('td', { class: 'num' }, x.min_value_vnd !== '0' ? vnd(x.min_value_vnd) : ''),
      el('td', {}, badge(x.action)), el('td', {}, String(x.priority)), el('td', {}, x.active ? t('yes') : t('no')),
      el('td', {}, el('button', { type: 'button', 'data-testid': 'rule-edit', onclick: () => rules(x) }, t('edit')), ' ',
        el('button', { type: 'button', class: 'danger', onclick: retire(x) }, t('retire')))));
    const e = editing || {};
    const money = (v) => (v && v !== '0' ? v : '');
    const f = el('form', { class: 'filters card', 'data-testid': 'rule-form', 'data-editing': editing ? String(editing.id) : null },
      editing ? el('p', { 'data-testid': 'rule-editing' }, t('editing_rule', { n: editing.id })) : '',
      field('r-name', t('rule_name'), el('input', { name: 'name', required: true, value: e.name || '' })),
      field('r-hs', t('hs'), el('input', { name: 'hs_prefix', inputmode: 'numeric', value: e.hs_prefix || '' })),
      field('r-origin', t('origin'), el('input', { name: 'origin', maxlength: 2, value: e.origin || '' })),
      field('r-importer', t('importer'), el('input', { name: 'importer', value: e.importer || '' })),
      field('r-max', t('max_unit'), el('input', { name: 'max_unit_value_vnd', inputmode: 'numeric', value: money(e.max_unit_value_vnd) })),
      field('r-min', t('min_value'), el('input', { name: 'min_value_vnd', inputmode: 'numeric', value: money(e.min_value_vnd) })),
      field('r-action', t('channel'), select('action', [['red', t('ch_red')], ['yellow', t('ch_yellow')], ['green', t('ch_green')]], e.action || 'yellow')),
      field('r-priority', t('priority'), el('input', { name: 'priority', type: 'number', value: String(e.priority !== undefined ? e.priority : 50) })),
      el('div', {}, el('button', { type: 'submit', class: 'primary' }, editing ? t('save_rule') : t('add_rule')),
        editing ? el('button', { type: 'button', onclick: () => rules() }, t('cancel')) : ''));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      // a change keeps what the form does not show (type code, office, dates, declarant, shipper...)
      const body = editing ? { ...editing } : {};
      Object.assign(body, { name: f.name.value, action: f.action.value, priority: parseInt(f.priority.value || '0', 10) });
      for (const k of ['hs_prefix', 'origin', 'importer']) body[k] = f[k].value.trim();
      for (const k of ['max_unit_value_vnd', 'min_value_vnd']) body[k] = f[k].value.replace(/[^0-9]/g, '') || '0';
      if (!editing) for (const k of ['hs_prefix', 'origin', 'importer']) if (!body[k]) delete body[k];
      const c = editing ? await api('PUT', '/risk/rules/' + editing.id, body) : await api('POST', '/risk/rules', body);
      if (c.status === 201 || c.status === 200) { toast(t('done')); rules(); } else out.replaceChildren(errorsBox(c.body));
    });
    const M = m.status === 200 ? m.body : null;
    const activate = (x) => async () => {
      const a = await api('POST', '/risk/models/' + x.version + '/activation');
      if (a.status === 200) { toast(t('model_activated', { n: x.version })); rules(); } else out.replaceChildren(errorsBox(a.body));
    };
    // a roll-back is activating an older version; training stays on the command line
    const models = M ? section(t('models'), el('p', { 'data-testid': 'model-in-use' }, t('model_in_use') + ': ' + (M.in_use || t('rules_only'))),
      table(t('models'), ['#', t('active'), t('created_at'), t('detail'), ''],
        (M.models || []).map((x) => el('tr', { 'data-version': String(x.version), 'data-active': x.active ? '1' : '0' },
          el('td', {}, String(x.version)), el('td', {}, x.active ? t('yes') : t('no')),
          el('td', {}, when(x.created_at)), el('td', {}, Object.entries(x.metrics || {}).filter(([, v]) => typeof v === 'number')
            .map(([k, v]) => k + ': ' + (+v.toFixed(3))).join('; ')),
          el('td', {}, x.active ? '' : el('button', { type: 'button', 'data-testid': 'model-activate', onclick: activate(x) },
            M.active && x.version < M.active ? t('roll_back') : t('activate'))))), { 'data-testid': 'models' }),
      el('p', { class: 'muted' }, t('models_cli'))) : '';
    // hit rates of the last 30 days (GET /risk/hit-rates): each source's selections and what they found
    const H = h.status === 200 ? h.body : null;
    const hitRow = (x, label, what) => el('tr', { 'data-source': x.source || 'all', 'data-ref': String(x.rule_id || x.model_version || '') },
      el('td', {}, label), el('td', {}, what),
      ...['selections', 'share_percent', 'decided', 'violations', 'hit_rate_percent'].map((k) =>
        el('td', { class: 'num', 'data-value': x[k] === null ? '' : String(x[k]) }, x[k] === null ? '—' : String(x[k]))));
    const hits = H ? section(t('hit_rates'), el('p', { class: 'muted' }, t('hit_period', { from: H.from, to: H.to }) + ' ' + t('hr_registered', { n: H.registered })),
      table(t('hit_rates'), [t('hr_source'), t('hr_what'), { label: t('hr_selections'), num: true }, { label: t('hr_share'), num: true }, { label: t('hr_decided'), num: true },
        { label: t('hr_violations'), num: true }, { label: t('hr_rate'), num: true }],
      [hitRow(H.all, t('hr_all'), '')].concat(H.items.map((x) => hitRow(x, t('src_' + x.source) !== 'src_' + x.source ? t('src_' + x.source) : x.source,
        x.source === 'rule' ? '#' + x.rule_id + (x.rule_name ? ' ' + x.rule_name : '') : x.model_version ? 'v' + x.model_version : ''))),
      { 'data-testid': 'hit-rates' })) : '';
    page(t('rules_title'), f, out, table(t('rules_title'), ['#', t('rule_name'), t('hs') + ' / ' + t('origin') + ' / ' + t('importer'),
      { label: t('max_unit'), num: true }, { label: t('min_value'), num: true }, t('channel'), t('priority'), t('active'), ''], rows,
    { 'data-testid': 'rules' }), models, hits);
    if (editing) f.name.focus();
  }

  /* ---- start -------------------------------------------------------------------------------------- */
  document.getElementById('lang-vi').addEventListener('click', () => setLang('vi'));
  document.getElementById('lang-en').addEventListener('click', () => setLang('en'));
  /* what a page in its own file (dashboard.js) builds with */
  const kit = { el, t, api, page, vnd, params, go, locale, errorsBox, me: () => S.me };
  window.addEventListener('hashchange', route);
  applyLang();
  route();
})();
