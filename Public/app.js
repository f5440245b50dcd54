// Device list for the walking skeleton: API-key auth kept in session storage, polling.
// TODO(#4): replace with session login, JSON-RPC and pushed device events.
const KEY = 'mps.apiKey';
const $ = (id) => document.getElementById(id);

function apiKey() { return sessionStorage.getItem(KEY); }

async function api(path) {
  const res = await fetch(path, { headers: { 'X-MPS-API-Key': apiKey() } });
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    show();
    throw new Error('The API key was refused.');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  return body;
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

async function powerState(guid, td) {
  td.textContent = '…';
  try {
    const r = await api(`/api/v1/amt/power/state/${encodeURIComponent(guid)}`);
    const names = { 2: 'on', 3: 'sleep', 4: 'sleep', 6: 'off', 7: 'hibernate', 8: 'off' };
    td.textContent = `${r.powerstate} (${names[r.powerstate] || 'other'})`;
  } catch (e) {
    td.textContent = e.message;
  }
}

async function load() {
  $('error').textContent = '';
  try {
    const [list, stats] = await Promise.all([
      api('/api/v1/devices?$top=500&$count=true'), api('/api/v1/devices/stats')]);
    $('stats').textContent =
      `${stats.connectedCount} connected / ${stats.totalCount} devices`;
    const rows = $('rows');
    rows.replaceChildren();
    for (const d of list.data) {
      const tr = document.createElement('tr');
      tr.append(cell(d.guid, 'guid'), cell(d.hostname || ''), cell((d.tags || []).join(', ')),
        cell(d.connectionStatus ? 'connected' : 'offline',
          d.connectionStatus ? 'status-on' : 'status-off'),
        cell(d.lastConnected || ''));
      const power = document.createElement('td');
      if (d.connectionStatus) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Get power state';
        b.addEventListener('click', () => powerState(d.guid, power));
        power.append(b);
      }
      tr.append(power);
      rows.append(tr);
    }
  } catch (e) {
    $('error').textContent = e.message;
  }
}

function show() {
  const has = !!apiKey();
  $('key-form').hidden = has;
  $('devices').hidden = !has;
  if (has) load();
}

$('key-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, $('api-key').value.trim());
  $('api-key').value = '';
  show();
});
$('refresh').addEventListener('click', load);
$('forget').addEventListener('click', () => { sessionStorage.removeItem(KEY); show(); });
setInterval(() => { if (apiKey()) load(); }, 5000);
show();
