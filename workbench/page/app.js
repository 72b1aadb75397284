// app.js -- the workbench's page: one script, no library, talking to the
// JSON API of `canbao web` (docs/COMMANDS.md, "The JSON API").  Text from the server is
// always put in with textContent, never as HTML.  The API speaks in codes
// (working_age_uninsured, under_30, ...); the page shows their Chinese
// names from labels.js (LABELS, label()), loaded before this script.
'use strict';

const state = { session: null, page: 1, perPage: 50, source: null, reasons: [] };
const $ = (sel) => document.querySelector(sel);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function say(text, isError) {
  const m = $('#message');
  m.textContent = text || '';
  m.hidden = !text;
  m.classList.toggle('error', !!isError);
}

// What the page says for a failed request: the HTTP status in words, then
// the server's own detail (for whoever helps).
function errorText(status, detail) {
  const head = known('http_status', String(status)) ? label('http_status', String(status))
                                                    : '出错（HTTP ' + status + '）';
  return detail ? head + '：' + detail : head;
}

// A select's options: every code of a group of LABELS shown by its name
// (the value sent is the code), between extra [value, text] pairs.
function fillSelect(sel, group, first, last) {
  const s = $(sel);
  s.replaceChildren();
  const pairs = (first || []).concat(Object.keys(LABELS[group]).map((c) => [c, label(group, c)]),
                                     last || []);
  for (const [value, text] of pairs) {
    const o = el('option', text);
    o.value = value;
    s.appendChild(o);
  }
}

// A lead's status as people read it: 已关闭（已参保）.
function statusText(status, closedReason) {
  return label('lead_status', status) + (closedReason ? '（' + label('closed_reason', closedReason) + '）' : '');
}

// A decision's reason as stored, "code: note", "code" or "note": the
// refusal code named.
function describeWhy(why) {
  const m = /^([a-z_]+)(?:: ([\s\S]*))?$/.exec(why || '');
  if (!m || !known('refusal_reason', m[1])) return why || '';
  return label('refusal_reason', m[1]) + (m[2] ? '：' + m[2] : '');
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && state.session) opts.headers['X-CSRF-Token'] = state.session.csrf;
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401 && path !== '/api/session') { signedOut(); throw new Error('登录已失效，请重新登录'); }
  if (!r.ok) {
    const e = new Error(errorText(r.status, data && data.error));
    e.status = r.status;
    throw e;
  }
  return data;
}

function show(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', a.id === 'nav-' + id);
}

function signedOut() {
  state.session = null;
  if (state.source) { state.source.close(); state.source = null; }
  $('#nav').hidden = true;
  show('signin');
}

function signedIn(s) {
  state.session = s;
  $('#nav').hidden = false;
  $('#who').textContent = s.name + ' · ' + label('role', s.role) + '账号' +
                          (s.role === 'county' ? '' : ' ' + s.township_code);
  $('#nav-county').hidden = false;
  startLive();
  route();
}

// ------------------------------------------------------------- county view

const REASONS = Object.keys(LABELS.lead_reason);
const COLORS = ['#14375e', '#d98c00', '#2e7d32', '#8e44ad', '#b3261e'];

function svgEl(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

function drawReasons(rows) {
  const svg = $('#chart-reasons');
  svg.replaceChildren();
  const max = Math.max(1, ...rows.map((r) => r.open_leads));
  const h = 18, w = 420, left = 130;
  svg.setAttribute('width', w + left);
  svg.setAttribute('height', rows.length * h + 4);
  rows.forEach((r, i) => {
    const name = svgEl('text', { x: 0, y: i * h + 13, 'font-size': 11 });
    name.textContent = r.township;
    svg.appendChild(name);
    let x = left;
    REASONS.forEach((reason, k) => {
      const n = r.open_by_reason[reason] || 0;
      const bw = (n / max) * w;
      if (bw > 0) {
        const rect = svgEl('rect', { x, y: i * h + 3, width: bw, height: h - 6, fill: COLORS[k] });
        const t = svgEl('title', {});
        t.textContent = label('lead_reason', reason) + '：' + n;
        rect.appendChild(t);
        svg.appendChild(rect);
      }
      x += bw;
    });
  });
  const legend = $('#legend-reasons');
  legend.replaceChildren();
  REASONS.forEach((reason, k) => {
    const s = el('span', label('lead_reason', reason));
    const i = el('i');
    i.style.background = COLORS[k];
    s.prepend(i);
    legend.appendChild(s);
  });
}

function drawAlerts(rows) {
  const svg = $('#chart-alerts');
  svg.replaceChildren();
  const kinds = {};
  rows.forEach((r) => { for (const k in r.alerts_by_kind) kinds[k] = (kinds[k] || 0) + r.alerts_by_kind[k]; });
  const names = Object.keys(kinds);
  const max = Math.max(1, ...names.map((k) => kinds[k]));
  const h = 22, w = 260, left = 170;
  svg.setAttribute('width', w + left + 40);
  svg.setAttribute('height', names.length * h + 4);
  names.forEach((k, i) => {
    const name = svgEl('text', { x: 0, y: i * h + 15, 'font-size': 11 });
    name.textContent = label('alert_kind', k);
    svg.appendChild(name);
    svg.appendChild(svgEl('rect', { x: left, y: i * h + 4, width: (kinds[k] / max) * w, height: h - 8, fill: '#b3261e' }));
    const n = svgEl('text', { x: left + (kinds[k] / max) * w + 4, y: i * h + 15, 'font-size': 11 });
    n.textContent = kinds[k];
    svg.appendChild(n);
  });
}

// The review kinds the report counts, in its order (the server's).
function reviewKinds(r) {
  return r.townships.length ? Object.keys(r.townships[0].open_reviews_by_kind) : [];
}

async function showCounty() {
  show('county');
  const r = await api('GET', '/api/report');
  $('#county-asof').textContent = r.year + '年 · 截至 ' + r.as_of;
  const head = $('#county-table thead tr');
  for (const th of head.querySelectorAll('th.review-kind')) th.remove();
  for (const k of reviewKinds(r)) head.appendChild(el('th', '待核实：' + label('review_kind', k), 'review-kind'));
  const tb = $('#county-table tbody');
  tb.replaceChildren();
  for (const t of r.townships) {
    const tr = el('tr');
    const name = el('td');
    const a = el('a', t.township + ' ' + t.township_code);
    a.href = '#township/' + t.township_code;
    name.appendChild(a);
    tr.appendChild(name);
    tr.appendChild(el('td', t.target === null ? '' : t.target, 'num'));
    tr.appendChild(el('td', t.enrolled, 'num'));
    const p = el('td');
    const bar = el('span', null, 'bar' + ((t.percent || 0) < 80 ? ' behind' : ''));
    const fill = el('span');
    fill.style.width = Math.min(100, t.percent || 0) + '%';
    bar.appendChild(fill);
    p.appendChild(bar);
    p.appendChild(el('span', ' ' + (t.percent === null ? '' : t.percent + '%')));
    tr.appendChild(p);
    tr.appendChild(el('td', t.open_leads, 'num'));
    let alerts = 0;
    for (const k in t.alerts_by_kind) alerts += t.alerts_by_kind[k];
    tr.appendChild(el('td', alerts, 'num'));
    // open review items by kind, as canbao report counts them: each a
    // link to the township's queue of that kind
    for (const k of reviewKinds(r)) {
      const td = el('td', null, 'num review-count');
      const a = el('a', t.open_reviews_by_kind[k]);
      a.href = '#reviews/' + t.township_code + '/' + k;
      td.appendChild(a);
      tr.appendChild(td);
    }
    tb.appendChild(tr);
  }
  drawReasons(r.townships);
  drawAlerts(r.townships);
}

// ----------------------------------------------------------- township view

function filterParams() {
  const p = new URLSearchParams();
  const town = state.session.role === 'county' ? $('#f-township').value : state.session.township_code;
  if (town) p.set('township', town);
  const pairs = [['status', '#f-status'], ['reason', '#f-reason'], ['priority', '#f-priority'],
                 ['age_band', '#f-age'], ['sort', '#f-sort'], ['order', '#f-order']];
  for (const [k, sel] of pairs) if ($(sel).value) p.set(k, $(sel).value);
  return p;
}

async function decide(lead, decision, code, note) {
  const body = { decision };
  if (code) body.reason_code = code;
  if (note) body.reason = note;
  try {
    await api('POST', '/api/leads/' + lead.lead_id, body);
    say('已记录：' + lead.lead_id + ' ' + label('decision', decision));
    await loadLeads();
  } catch (e) { say(e.message, true); }
}

function refuse(lead) {
  const d = $('#refuse-dialog');
  $('#refuse-lead').textContent = lead.lead_id;
  $('#refuse-note').value = '';
  d.onclose = () => {
    if (d.returnValue === 'ok') decide(lead, 'refused', $('#refuse-code').value, $('#refuse-note').value.trim());
  };
  d.showModal();
}

function leadRow(l) {
  const tr = el('tr');
  tr.dataset.lead = l.lead_id;
  const id = el('td');
  const a = el('a', l.lead_id);
  a.href = '#lead/' + l.lead_id;
  id.appendChild(a);
  tr.appendChild(id);
  tr.appendChild(el('td', l.subject_id));
  tr.appendChild(el('td', l.name || ''));
  tr.appendChild(el('td', label('lead_reason', l.reason)));
  tr.appendChild(el('td', label('priority', l.priority), 'priority-' + l.priority));
  tr.appendChild(el('td', label('age_band', l.age_band)));
  tr.appendChild(el('td', (l.opened_at || '').slice(0, 10)));
  tr.appendChild(el('td', statusText(l.status, l.closed_reason), 'status status-' + l.status));
  const act = el('td');
  if (l.status !== 'closed') {
    for (const d of ['contacted', 'refused', 'enrolled', 'invalid']) {
      const b = el('button', label('decision', d), 'act-' + d);
      b.type = 'button';
      b.onclick = () => (d === 'refused' ? refuse(l) : decide(l, d));
      act.appendChild(b);
    }
  }
  tr.appendChild(act);
  return tr;
}

async function loadLeads() {
  const p = filterParams();
  p.set('page', state.page);
  p.set('per_page', state.perPage);
  const r = await api('GET', '/api/leads?' + p.toString());
  const tb = $('#leads tbody');
  tb.replaceChildren(...r.leads.map(leadRow));
  const pages = Math.max(1, Math.ceil(r.total / state.perPage));
  $('#total').textContent = '共 ' + r.total + ' 条线索';
  $('#pageinfo').textContent = '第 ' + state.page + ' / ' + pages + ' 页';
  $('#prev').disabled = state.page <= 1;
  $('#next').disabled = state.page >= pages;
  const e = filterParams();
  $('#export').href = '/api/leads.csv?' + e.toString();
}

async function showTownship(code) {
  show('township');
  const county = state.session.role === 'county';
  $('#f-township-label').hidden = !county;
  if (county && $('#f-township').options.length === 0) {
    const r = await api('GET', '/api/report');
    $('#f-township').appendChild(el('option', '全部乡镇'));
    $('#f-township').options[0].value = '';
    for (const t of r.townships) {
      const o = el('option', t.township + ' ' + t.township_code);
      o.value = t.township_code;
      $('#f-township').appendChild(o);
    }
  }
  if (county && code) $('#f-township').value = code;
  const town = $('#f-township').selectedOptions[0];
  $('#township-name').textContent = !county ? state.session.township_code
                                    : town && town.value ? town.textContent : '全部乡镇';
  await loadLeads();
}

// A change of a lead, pushed by the server: a lead that leaves the filter
// (closed, when closed ones are not shown) fades out of the list.
function onLeadEvent(ev) {
  const c = JSON.parse(ev.data);
  const tr = document.querySelector('#leads tr[data-lead="' + c.lead_id + '"]');
  if (!tr) return;
  const cell = tr.querySelector('td.status');
  cell.textContent = label('lead_status', c.status);
  cell.className = 'status status-' + c.status;
  const wanted = $('#f-status').value;
  if (c.status === 'closed' && wanted !== 'closed' && wanted !== 'all') {
    tr.classList.add('gone');
    setTimeout(() => tr.remove(), 600);
  }
}

function startLive() {
  if (state.source) state.source.close();
  const s = new EventSource('/api/events');
  s.addEventListener('lead', onLeadEvent);
  s.addEventListener('reload', () => { if (!$('#township').hidden) loadLeads(); });
  s.onopen = () => $('#live').classList.add('on');
  s.onerror = () => $('#live').classList.remove('on');
  state.source = s;
}

// ---------------------------------------------------------------- one lead

async function showLead(id) {
  show('lead');
  $('#lead-id').textContent = id;
  const l = await api('GET', '/api/leads/' + encodeURIComponent(id));
  const dl = $('#lead-fields');
  dl.replaceChildren();
  // the codes beside the names where staff meet them elsewhere (the CSV)
  const rows = [['证件号码', l.subject_id], ['姓名（名称）', l.name], ['对象类型', label('subject_kind', l.subject_kind)],
                ['乡镇（街道）', l.township_code], ['原因', labelAndCode('lead_reason', l.reason)],
                ['优先级', label('priority', l.priority)], ['年龄段', label('age_band', l.age_band)],
                ['发现时间', l.opened_at], ['状态', labelAndCode('lead_status', l.status)],
                ['关闭原因', (labelAndCode('closed_reason', l.closed_reason) + ' ' + (l.closed_at || '')).trim()],
                ['来源事件', l.source_event_id]];
  if (l.decision) {
    rows.push(['最近处理', [label('decision', l.decision.decision), l.decision.day,
                            describeWhy(l.decision.reason)].join(' ').trim()]);
  }
  for (const [k, v] of rows) { dl.appendChild(el('dt', k)); dl.appendChild(el('dd', v || '')); }
}

// ----------------------------------------------------------- review queue

function reviewParams() {
  const p = new URLSearchParams();
  const town = state.session.role === 'county' ? $('#r-township').value : state.session.township_code;
  if (town) p.set('township', town);
  if ($('#r-kind').value) p.set('kind', $('#r-kind').value);
  if ($('#r-status').value) p.set('status', $('#r-status').value);
  return p;
}

// Asks for the reason of a verdict, then records it; after(item) gets the
// item as the server answers it.
function askVerdict(item, verdict, after) {
  const d = $('#verdict-dialog');
  $('#verdict-name').textContent = label('review_verdict', verdict);
  $('#verdict-review').textContent = item.review_id;
  $('#verdict-reason').value = '';
  d.onclose = async () => {
    if (d.returnValue !== 'ok') return;
    try {
      const now = await api('POST', '/api/reviews/' + item.review_id,
                            { verdict, reason: $('#verdict-reason').value.trim() });
      say('已记录：' + item.review_id + ' ' + label('review_verdict', verdict) + '，' +
          label('review_status', now.status));
      after(now);
    } catch (e) { say(e.message, true); }
  };
  d.showModal();
}

// An amount at risk in yuan, '' when the item has none.
function amountText(fen) {
  return fen ? (fen / 100).toFixed(2) : '';
}

function verdictButtons(item, after) {
  return (item.verdicts || []).map((v) => {
    const b = el('button', label('review_verdict', v), 'verdict-' + v);
    b.type = 'button';
    b.onclick = () => askVerdict(item, v, after);
    return b;
  });
}

function reviewRow(r) {
  const tr = el('tr');
  tr.dataset.review = r.review_id;
  const id = el('td');
  const a = el('a', r.review_id);
  a.href = '#review/' + r.review_id;
  id.appendChild(a);
  tr.appendChild(id);
  for (const v of [label('review_kind', r.kind), r.township_code, r.subject_id, r.register_name,
                   r.other_name, r.evidence])
    tr.appendChild(el('td', v));
  tr.appendChild(el('td', amountText(r.amount_at_risk_fen), 'num'));
  tr.appendChild(el('td', (r.raised_at || '').slice(0, 10)));
  tr.appendChild(el('td', label('review_status', r.status), 'status review-status-' + r.status));
  const act = el('td');
  // a decided item keeps its verdict here; its own page may change it
  if (r.status === 'open') act.append(...verdictButtons(r, (now) => tr.replaceWith(reviewRow(now))));
  tr.appendChild(act);
  return tr;
}

async function loadReviews() {
  const r = await api('GET', '/api/reviews?' + reviewParams().toString());
  $('#reviews-table tbody').replaceChildren(...r.reviews.map(reviewRow));
  $('#reviews-total').textContent = '共 ' + r.total + ' 条核实事项';
}

async function showReviews(code, kind) {
  show('reviews');
  const county = state.session.role === 'county';
  $('#r-township-label').hidden = !county;
  if (county && $('#r-township').options.length === 0) {
    const r = await api('GET', '/api/report');
    $('#r-township').appendChild(el('option', '全部乡镇'));
    $('#r-township').options[0].value = '';
    for (const t of r.townships) {
      const o = el('option', t.township + ' ' + t.township_code);
      o.value = t.township_code;
      $('#r-township').appendChild(o);
    }
  }
  if (county && code) $('#r-township').value = code;
  if (kind) { $('#r-kind').value = kind; $('#r-status').value = ''; }
  const town = $('#r-township').selectedOptions[0];
  $('#reviews-township-name').textContent = !county ? state.session.township_code
                                            : town && town.value ? town.textContent : '全部乡镇';
  await loadReviews();
}

// One item, whole: its own page, which the server audits.
async function showReview(id) {
  show('review');
  $('#review-id').textContent = id;
  const r = await api('GET', '/api/reviews/' + encodeURIComponent(id));
  const dl = $('#review-fields');
  dl.replaceChildren();
  const rows = [['类型', labelAndCode('review_kind', r.kind)], ['乡镇（街道）', r.township_code],
                ['证件号码', r.subject_id], ['另一证件号码', r.other_id], ['户籍姓名', r.register_name],
                ['其他记录姓名', r.other_name], ['证据（事件编号）', r.evidence],
                ['涉及金额（元）', amountText(r.amount_at_risk_fen)], ['发现时间', r.raised_at],
                ['状态', labelAndCode('review_status', r.status)], ['核实时间', r.resolved_at]];
  if (r.verdict) {
    rows.push(['最近核实', [label('review_verdict', r.verdict.verdict), r.verdict.day,
                            r.verdict.reason].join(' ').trim()]);
  }
  for (const [k, v] of rows) { dl.appendChild(el('dt', k)); dl.appendChild(el('dd', v || '')); }
  $('#review-actions').replaceChildren(...verdictButtons(r, () => showReview(id)));
}

// ------------------------------------------------------------ alerts, audit

async function showAlerts() {
  show('alerts');
  const r = await api('GET', '/api/alerts');
  const tb = $('#alerts-table tbody');
  tb.replaceChildren();
  for (const a of r.alerts) {
    const tr = el('tr');
    for (const v of [a.alert_id, label('alert_kind', a.kind), a.subject_id, a.township_code, a.period || '',
                     (a.amount_at_risk_fen / 100).toFixed(2), a.evidence, (a.raised_at || '').slice(0, 10)])
      tr.appendChild(el('td', v));
    tb.appendChild(tr);
  }
}

// An audit entry as people read it.  The server writes a decision's before
// and after as "status[ closed_reason]" and "status[ closed_reason];
// decision[: why]", a verdict's "status" and "status; verdict: why", an
// export's target as "leads township=.. status=..
// reason=.. rows=..", a failed sign-in's after as its outcome; anything
// else is shown as it is.
function auditCells(e) {
  const status = (s) => {
    const m = /^([a-z_]+)(?: ([a-z_]+))?$/.exec(s || '');
    return m ? statusText(m[1], m[2]) : (s || '');
  };
  let target = e.target, before = e.before, after = e.after;
  if (e.action === 'decide') {
    before = status(e.before);
    const i = (e.after || '').indexOf('; ');
    const m = i < 0 ? null : /^([a-z_]+)(?:: ([\s\S]*))?$/.exec(e.after.slice(i + 2));
    if (m) {
      after = status(e.after.slice(0, i)) + '；处理：' + label('decision', m[1]) +
              (m[2] ? '（' + describeWhy(m[2]) + '）' : '');
    }
  } else if (e.action === 'decide_review') {
    // before "status", after "status; verdict: why"
    before = label('review_status', e.before);
    const m = /^([a-z_]+); ([a-z_]+): ([\s\S]*)$/.exec(e.after || '');
    if (m) after = label('review_status', m[1]) + '；核实：' + label('review_verdict', m[2]) + '（' + m[3] + '）';
  } else if (e.action === 'sign_in_failed') {
    after = label('signin_outcome', e.after);
  } else if (e.action === 'export') {
    const values = { township: (v) => (v === 'all' ? '全部乡镇' : v),
                     status: (v) => (v === 'all' ? '全部' : label('lead_status', v)),
                     reason: (v) => label('lead_reason', v) };
    target = (e.target || '').split(' ').map((w) => {
      const [k, v] = w.split('=');
      if (v === undefined) return label('audit_field', k);
      if (v === '') return null;
      return label('audit_field', k) + '：' + (values[k] ? values[k](v) : v);
    }).filter((w) => w !== null).join(' ');
  }
  return [e.at, e.who, label('audit_action', e.action), target, before, after];
}

async function showAudit() {
  show('audit');
  const r = await api('GET', '/api/audit?limit=500');
  const tb = $('#audit-table tbody');
  tb.replaceChildren();
  for (const e of r.entries) {
    const tr = el('tr');
    const raw = [e.at, e.who, e.action, e.target, e.before, e.after];
    auditCells(e).forEach((v, i) => {
      const td = el('td', v);
      if (v !== raw[i]) td.title = raw[i]; // the record as the CSV has it
      tr.appendChild(td);
    });
    tb.appendChild(tr);
  }
}

// ------------------------------------------------------------------ routes

async function route() {
  if (!state.session) return show('signin');
  const [view, arg] = location.hash.slice(1).split('/');
  say('');
  try {
    if (view === 'township') await showTownship(arg);
    else if (view === 'lead') await showLead(arg);
    else if (view === 'reviews') await showReviews(arg, location.hash.slice(1).split('/')[2]);
    else if (view === 'review') await showReview(arg);
    else if (view === 'alerts') await showAlerts();
    else if (view === 'audit') await showAudit();
    else if (view === 'county' || state.session.role === 'county') await showCounty();
    else await showTownship();
  } catch (e) { say(e.message, true); }
}

async function start() {
  $('#signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const s = await api('POST', '/api/session', { name: $('#name').value, password: $('#password').value });
      $('#password').value = '';
      signedIn(s);
    } catch (e) { say(e.status === 401 ? '账号或密码不对' : e.message, true); }
  });
  $('#signout').onclick = async () => {
    try { await api('DELETE', '/api/session'); } catch (e) { /* gone already */ }
    signedOut();
  };
  fillSelect('#f-status', 'lead_status', [['', '未关闭']], [['all', '全部']]);
  fillSelect('#f-reason', 'lead_reason', [['', '全部']]);
  fillSelect('#f-priority', 'priority', [['', '全部']]);
  fillSelect('#f-age', 'age_band', [['', '全部']]);
  fillSelect('#f-sort', 'sort');
  fillSelect('#f-order', 'order');
  fillSelect('#r-kind', 'review_kind', [['', '全部']]);
  fillSelect('#r-status', 'review_status', [], [['all', '全部']]);
  for (const id of ['#r-township', '#r-kind', '#r-status'])
    $(id).addEventListener('change', () => loadReviews().catch((e) => say(e.message, true)));
  for (const id of ['#f-township', '#f-status', '#f-reason', '#f-priority', '#f-age', '#f-sort', '#f-order'])
    $(id).addEventListener('change', () => { state.page = 1; loadLeads().catch((e) => say(e.message, true)); });
  $('#prev').onclick = () => { state.page--; loadLeads(); };
  $('#next').onclick = () => { state.page++; loadLeads(); };
  window.addEventListener('hashchange', route);
  try {
    const r = await api('GET', '/api/refusal_reasons');
    for (const x of r.reasons) {
      const o = el('option', known('refusal_reason', x.code) ? label('refusal_reason', x.code) : x.label);
      o.value = x.code;
      $('#refuse-code').appendChild(o);
    }
  } catch (e) { say(e.message, true); }
  try {
    const s = await api('GET', '/api/session');
    signedIn(s);
  } catch (e) { signedOut(); }
}

document.addEventListener('DOMContentLoaded', start);
