// The dashboard: GET /repos fills the picker (each tracked repository with its state), GET
// /repos/{owner}/{name}/months the charts and the table (202: tracked, nothing counted yet: empty charts).
// Both are polled every REFRESH_MS so the page follows the data while it arrives; a 503 (an answer that
// would be incomplete during a rebalance) keeps what is shown and says so.
'use strict';
const REFRESH_MS = 5000;
const picker = document.getElementById('repo-picker');
const status = document.getElementById('status');
const stateBox = document.getElementById('state');
const charts = {};
let repos = [];

function lineChart(id, series) {
  return new Chart(document.getElementById(id), {
    type: 'line',
    data: { labels: [], datasets: series.map(([label, color]) => ({ label, data: [], borderColor: color,
      backgroundColor: color, tension: 0.2 })) },
    options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
}

charts.commits = { chart: lineChart('chart-commits', [['commits', '#1f77b4'], ['commit authors', '#ff7f0e']]),
  fields: ['commits', 'commit_authors'] };
charts.issues = { chart: lineChart('chart-issues', [['issues opened', '#2ca02c'], ['issues closed', '#d62728']]),
  fields: ['issues_opened', 'issues_closed'] };
charts.prs = { chart: lineChart('chart-prs', [['PRs opened', '#9467bd'], ['PRs merged', '#8c564b']]),
  fields: ['prs_opened', 'prs_merged'] };

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (response.status === 404) {
    return null;
  }
  if (!response.ok) {
    throw new Error(path + ' answered ' + response.status);
  }
  return response.json();
}

function selectedRepo() {
  return picker.value || (repos[0] && repos[0].repo);
}

// Where the producer stands with the repository: "backfilling commits 40 %, ETA 95 s", "failing: <reason>", ...
function stateText(r) {
  if (r.state === 'backfilling') {
    const l = r.listings.find(x => !x.done);
    return l && l.percent !== null
      ? `backfilling ${l.listing} ${l.percent} %` + (l.eta_seconds !== null ? `, ETA ${l.eta_seconds} s` : '') : 'backfilling';
  }
  if (r.state === 'failing') {
    return 'failing: ' + r.reason;
  }
  if (r.state === 'up to date' && r.last_successful_poll) {
    return 'up to date, polled ' + r.last_successful_poll;
  }
  return r.state || 'not tracked';
}

function label(r) {
  return r.state ? `${r.repo} (${r.state})` : r.repo;
}

async function refreshRepos() {
  const body = await getJson('/repos');
  repos = body ? body.repos : [];
  const current = selectedRepo();
  const names = repos.map(r => r.repo);
  const labels = repos.map(label);
  if (labels.join('\n') !== Array.from(picker.options).map(o => o.text).join('\n')) {
    picker.replaceChildren(...repos.map(r => new Option(label(r), r.repo)));
  }
  if (current && names.includes(current)) {
    picker.value = current;
  }
}

function showState(repo) {
  const r = repos.find(x => x.repo === repo);
  const counted = r && r.months > 0
    ? `${r.months} months (${r.first_month} to ${r.last_month}), latest change counted ${r.updated_at}` : 'nothing counted yet';
  stateBox.textContent = r ? `${r.repo}: ${counted}; ${stateText(r)}` : 'No repository is tracked or has data yet.';
}

async function refreshMonths() {
  const repo = selectedRepo();
  showState(repo);
  const body = repo ? await getJson('/repos/' + repo + '/months') : null;
  const months = body && body.months ? body.months : [];
  for (const { chart, fields } of Object.values(charts)) {
    chart.data.labels = months.map(m => m.month);
    fields.forEach((field, i) => { chart.data.datasets[i].data = months.map(m => m[field]); });
    chart.update();
  }
  const rows = months.map(m => {
    const tr = document.createElement('tr');
    for (const v of [m.month, m.commits, m.commit_authors, m.issues_opened, m.issues_closed, m.prs_opened, m.prs_merged]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.appendChild(td);
    }
    return tr;
  });
  document.querySelector('#months tbody').replaceChildren(...rows);
  document.body.dataset.shownRepo = repo || '';
}

async function refresh() {
  try {
    await refreshRepos();
    await refreshMonths();
    status.textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    status.textContent = 'not updated: ' + e.message + ' (retrying)';
  }
}

picker.addEventListener('change', refresh);
refresh();
setInterval(refresh, REFRESH_MS);
