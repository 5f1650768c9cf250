/* ecustoms web portal: the managers' dashboard (issue 16, "Managers: performance indicators").
 * Every figure comes from GET /api/v1/dashboard; each table is drawn as an SVG bar chart made here
 * (no library, nothing fetched from the network) above the table itself, with the table's CSV
 * from the same API (format=csv). Text is set with textContent only. app.js calls
 * window.ECSDashboard(kit) for #/dashboard. */
'use strict';
(function () {
  Object.assign(window.I18N.vi, {
    nav_dashboard: 'Chỉ số hoạt động', dash_title: 'Chỉ số hoạt động',
    dash_office_hint: 'để trống = toàn ngành', dash_show: 'Xem', dash_csv: 'Tải CSV',
    dash_all: 'Toàn ngành Hải quan', dash_period: 'Kỳ báo cáo', dash_chart: 'Biểu đồ',
    t_by_channel: 'Tờ khai theo luồng', t_by_type: 'Tờ khai theo loại hình',
    t_release_times: 'Thời gian giải phóng hàng (WCO TRS)', t_legal_limits: 'Tỷ lệ đạt thời hạn luật định (Luật Hải quan 2014 Điều 23)',
    t_revenue: 'Số thu (VND)', t_inspections: 'Kiểm tra thực tế và vi phạm phát hiện',
    t_amendments: 'Sửa đổi sau thông quan', t_hs_chapters: 'Các chương HS nhiều tờ khai nhất',
    c_channel: 'Luồng', c_declarations: 'Số tờ khai', c_type_code: 'Loại hình', c_stage: 'Giai đoạn',
    c_p50_seconds: 'Trung vị (p50)', c_p90_seconds: 'p90', c_check: 'Khâu kiểm tra',
    c_limit_working_hours: 'Thời hạn (giờ làm việc)', c_met: 'Đạt', c_share_percent: 'Tỷ lệ đạt (%)',
    c_figure: 'Chỉ tiêu', c_vnd: 'Số tiền', c_inspected: 'Số tờ khai kiểm tra', c_violations: 'Phát hiện vi phạm',
    c_hit_rate_percent: 'Tỷ lệ phát hiện (%)', c_amended_after_clearance: 'Tờ khai sửa đổi sau thông quan',
    c_chapter: 'Chương', c_items: 'Số dòng hàng',
    v_registration_to_cleared: 'Đăng ký → thông quan', v_cleared_to_gate_out: 'Thông quan → qua cổng',
    v_document_check: 'Kiểm tra hồ sơ', v_physical_inspection: 'Kiểm tra thực tế',
    v_assessed: 'Số thuế phải thu', v_collected: 'Số đã thu', v_green: 'Xanh', v_yellow: 'Vàng', v_red: 'Đỏ',
    t_open_cases: 'Tờ khai chưa thông quan cuối kỳ (tuổi, WCO TRS)', c_open_declarations: 'Số tờ khai còn mở',
    c_p50_age_seconds: 'Tuổi trung vị (p50)', c_p90_age_seconds: 'Tuổi p90', v_all: 'Tất cả', dash_open_as_of: 'tính đến',
  });
  Object.assign(window.I18N.en, {
    nav_dashboard: 'Performance', dash_title: 'Performance indicators',
    dash_office_hint: 'empty = the whole administration', dash_show: 'Show', dash_csv: 'Download CSV',
    dash_all: 'Whole customs administration', dash_period: 'Period', dash_chart: 'Chart',
    t_by_channel: 'Declarations by channel', t_by_type: 'Declarations by type code',
    t_release_times: 'Time release (WCO TRS)', t_legal_limits: 'Legal time limits met (Customs Law 2014 Art. 23)',
    t_revenue: 'Revenue (VND)', t_inspections: 'Physical inspections and violations found',
    t_amendments: 'Amendments after clearance', t_hs_chapters: 'Top HS chapters by declarations',
    c_channel: 'Channel', c_declarations: 'Declarations', c_type_code: 'Type code', c_stage: 'Stage',
    c_p50_seconds: 'Median (p50)', c_p90_seconds: 'p90', c_check: 'Check',
    c_limit_working_hours: 'Limit (working hours)', c_met: 'Met', c_share_percent: 'Share met (%)',
    c_figure: 'Figure', c_vnd: 'Amount', c_inspected: 'Inspected', c_violations: 'Violations found',
    c_hit_rate_percent: 'Hit rate (%)', c_amended_after_clearance: 'Amended after clearance',
    c_chapter: 'Chapter', c_items: 'Item lines',
    v_registration_to_cleared: 'Registration → cleared', v_cleared_to_gate_out: 'Cleared → gate-out',
    v_document_check: 'Document check', v_physical_inspection: 'Physical inspection',
    v_assessed: 'Assessed', v_collected: 'Collected', v_green: 'Green', v_yellow: 'Yellow', v_red: 'Red',
    t_open_cases: 'Not yet cleared at the end of the period (age, WCO TRS)', c_open_declarations: 'Still open',
    c_p50_age_seconds: 'Median age (p50)', c_p90_age_seconds: 'Age p90', v_all: 'All', dash_open_as_of: 'as of',
  });

  /* which column each table's chart shows, and how its bars are labelled */
  const CHARTS = {
    by_channel: { value: 1, label: (r) => [r[0]] },
    by_type: { value: 1, label: (r) => [r[0]] },
    release_times: { value: 3, label: (r) => [r[0], r[1]] },
    open_cases: { value: 1, label: (r) => [r[0]] },
    legal_limits: { value: 4, label: (r) => [r[0]] },
    revenue: { value: 1, label: (r) => [r[0]] },
    inspections: { columns: [0, 1] },
    amendments: { columns: [0] },
    hs_chapters: { value: 1, label: (r) => [r[0]] },
  };
  const COLOURS = { green: '#146c2e', yellow: '#8a6d00', red: '#a4161a' };
  const SVGNS = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  window.ECSDashboard = async function (K) {
    const { el, t, api, page, vnd, params, go, locale } = K;
    const num = (v) => new Intl.NumberFormat(locale()).format(Number(v));
    const word = (v) => (typeof v === 'string' && window.I18N.vi['v_' + v] ? t('v_' + v) : v);
    const dur = (s) => {
      if (s === null || s === undefined) return '—';
      const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      return h + ' h ' + String(m).padStart(2, '0') + ' m ' + String(sec).padStart(2, '0') + ' s';
    };
    function cellText(name, col, v) {
      if (v === null || v === undefined) return '—';
      if (name === 'revenue' && col === 'vnd') return vnd(v);
      if (col.endsWith('_seconds')) return dur(v);
      if (col.endsWith('_percent')) return new Intl.NumberFormat(locale(), { minimumFractionDigits: 1 }).format(Number(v)) + ' %';
      if (typeof v === 'number') return num(v);
      return String(word(v));
    }

    /* a horizontal bar chart: one bar per row (or per column of a one-row table) */
    function chart(tb) {
      const spec = CHARTS[tb.name] || { value: 1, label: (r) => [r[0]] };
      let bars;
      if (spec.columns) bars = spec.columns.map((c) => ({ label: t('c_' + tb.columns[c]), value: Number(tb.rows[0][c] || 0), raw: tb.rows[0][c], col: tb.columns[c] }));
      else bars = tb.rows.map((r) => ({ label: spec.label(r).map(word).join(' · '), value: Number(r[spec.value] || 0),
        raw: r[spec.value], col: tb.columns[spec.value], colour: COLOURS[r[1]] || COLOURS[r[0]] }));
      const W = 480, rowH = 26, labelW = 190, valueW = 120, H = Math.max(1, bars.length) * rowH + 8;
      const max = Math.max(1, ...bars.map((b) => b.value));
      const title = t('dash_chart') + ': ' + t('t_' + tb.name);
      const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'aria-label': title,
        class: 'dash-chart', 'data-chart': tb.name });
      s.append(svg('title', {}, title));
      bars.forEach((b, i) => {
        const y = 4 + i * rowH, w = Math.round((W - labelW - valueW) * b.value / max);
        s.append(svg('text', { x: labelW - 6, y: y + 17, 'text-anchor': 'end', 'font-size': 13, fill: '#1b1f24' }, b.label));
        s.append(svg('rect', { x: labelW, y: y + 4, width: Math.max(w, b.value ? 2 : 0), height: rowH - 8,
          fill: b.colour || '#0b4f8a' }));
        s.append(svg('text', { x: labelW + w + 6, y: y + 17, 'font-size': 13, fill: '#1b1f24' },
          cellText(tb.name, b.col, b.raw)));
      });
      return s;
    }

    function tableOf(tb, csvHref) {
      const heads = tb.columns.map((c) => el('th', { scope: 'col' }, t('c_' + c)));
      const rows = tb.rows.map((r) => el('tr', {}, r.map((v, i) => el('td', {
        class: typeof v === 'number' || tb.columns[i] === 'vnd' || /_percent$/.test(tb.columns[i]) ? 'num' : null,
        'data-col': tb.columns[i], 'data-value': v === null ? '' : String(v),
      }, cellText(tb.name, tb.columns[i], v)))));
      return el('section', { class: 'card dash-table', 'aria-labelledby': 'dash-h-' + tb.name, 'data-table': tb.name },
        el('h2', { id: 'dash-h-' + tb.name }, t('t_' + tb.name)),
        chart(tb),
        el('div', { class: 'scroll' }, el('table', {}, el('caption', { class: 'sr' }, t('t_' + tb.name)),
          el('thead', {}, el('tr', {}, heads)), el('tbody', {}, rows))),
        el('p', {}, el('a', { href: csvHref, download: 'dashboard-' + tb.name + '.csv', class: 'dash-csv',
          'data-csv': tb.name }, t('dash_csv'))));
    }

    /* default period: this month so far, in Hanoi */
    const p = params();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
    const q = { office: p.office !== undefined ? p.office : (K.me().office || ''),
      from: p.from || today.slice(0, 8) + '01', to: p.to || today };
    const form = el('form', { class: 'filters card', role: 'search', id: 'dash-form' },
      el('div', {}, el('label', { for: 'dash-office' }, t('office')),
        el('input', { id: 'dash-office', name: 'office', value: q.office,
          'aria-describedby': 'dash-office-hint', maxlength: 8 }),
        el('span', { id: 'dash-office-hint', class: 'muted small' }, t('dash_office_hint'))),
      el('div', {}, el('label', { for: 'dash-from' }, t('from')), el('input', { id: 'dash-from', name: 'from', type: 'date', value: q.from, required: true })),
      el('div', {}, el('label', { for: 'dash-to' }, t('to')), el('input', { id: 'dash-to', name: 'to', type: 'date', value: q.to, required: true })),
      el('div', {}, el('button', { type: 'submit', class: 'primary' }, t('dash_show'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const u = new URLSearchParams({ office: form.elements.office.value.trim(), from: form.elements.from.value, to: form.elements.to.value });
      go('#/dashboard?' + u.toString());
    });
    const qs = new URLSearchParams(q).toString();
    const r = await api('GET', '/dashboard?' + qs);
    if (r.status !== 200) return page(t('dash_title'), form, K.errorsBox(r.body));
    const b = r.body;
    const head = el('p', { id: 'dash-scope', 'data-office': b.office || '', 'data-from': b.from, 'data-to': b.to, 'data-open-as-of': b.open_as_of || '' },
      (b.office || t('dash_all')) + ' — ' + t('dash_period') + ': ' + b.from + ' → ' + b.to + ' (Asia/Ho_Chi_Minh)' +
      (b.open_as_of ? '; ' + t('t_open_cases') + ' ' + t('dash_open_as_of') + ' ' + new Intl.DateTimeFormat(locale(),
        { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' }).format(new Date(b.open_as_of)) : ''));
    page(t('dash_title'), form, head, el('div', { class: 'dash-grid' },
      b.tables.map((tb) => tableOf(tb, '/api/v1/dashboard?' + qs + '&format=csv&table=' + encodeURIComponent(tb.name)))));
  };
})();
