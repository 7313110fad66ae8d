"use strict";
// Dashboard of the ALI indicators: reads /indicators, /indicators/agencies and /indicators/trends with the
// user's bearer token and draws plain SVG charts. Refreshes every few seconds.

const REFRESH_MS = 5000;
const GROUPS = [
  ["emploi_durable", "Emploi durable", "var(--durable)"],
  ["emploi_transition", "Emploi de transition", "var(--transition)"],
  ["sortie_positive", "Sortie positive", "var(--positive)"],
  ["autre_sortie", "Autres sorties", "var(--other)"],
];
const BARRIERS = {
  mobility: "Mobilité", family_constraints: "Contraintes familiales", health: "Santé",
  literacy_numeracy: "Savoirs de base", french_language: "Langue française", housing: "Logement",
  financial: "Difficultés financières", administrative_legal: "Administratif / juridique",
  digital_skills: "Numérique", self_esteem: "Estime de soi",
};
const THEMES = {
  self_confidence: "Confiance en soi", cover_letters: "Lettres de motivation", labour_law_and_pay: "Droit du travail et paie",
  digital_skills: "Numérique", job_interviews: "Entretiens d'embauche", mobility: "Mobilité", budget: "Budget",
  other: "Autre",
};
const svgNS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)} %`);
const num = (x) => (x === null || x === undefined ? "—" : Number(x).toLocaleString("fr-FR"));

function token() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("token")) {
    sessionStorage.setItem("ali-token", hash.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("ali-token");
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (response.status === 401) {
    sessionStorage.removeItem("ali-token");
    throw new Error("unauthorised");
  }
  if (response.status === 503 && (await response.clone().json().catch(() => ({}))).state === "recovering") {
    throw new Error("recovering");
  }
  if (!response.ok) throw new Error(`${path}: ${response.status} ${(await response.json()).detail || ""}`);
  return response.json();
}

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(width, height) {
  return el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
}

function query() {
  const params = new URLSearchParams();
  for (const id of ["agency", "start", "end"]) {
    if ($(id).value) params.set(id === "agency" ? "agency_id" : id, $(id).value);
  }
  return params;
}

// Definitions of the figures (GET /indicators/definitions), shown on hover; loaded once.
let DEFINITIONS = null;
async function definitions() {
  if (DEFINITIONS === null) {
    const body = await api("/indicators/definitions");
    DEFINITIONS = Object.fromEntries(body.definitions.map((d) => [`${d.section}.${d.name}`, d.text_fr]));
  }
  return DEFINITIONS;
}

function headline(figures, defs) {
  const a = figures.accompaniments, f = figures.follow_up;
  const cards = [
    ["File active", num(a.caseload), `au ${figures.as_of}`, "accompaniments.caseload"],
    ["Entrées", num(a.entries), "sur la période", "accompaniments.entries"],
    ["Sorties", num(a.exits), "sur la période", "accompaniments.exits"],
    ["Taux de sorties positives", pct(a.positive_exit_rate), "emploi durable + transition + sortie positive",
      "accompaniments.positive_exit_rate"],
    ["Taux d'emploi durable", pct(a.emploi_durable_rate), "des sorties", "accompaniments.emploi_durable_rate"],
    ["1er RDV < 15 jours", pct(f.first_appointment_under_15_days_share), "après l'orientation",
      "follow_up.first_appointment_under_15_days_share"],
    ["Contrats signés dans le délai", pct(f.contracts_signed_in_time_share), "un mois après l'orientation",
      "follow_up.contracts_signed_in_time_share"],
  ];
  $("headline").replaceChildren(...cards.map(([label, value, hint, name]) => {
    const card = document.createElement("div");
    card.className = "card";
    card.dataset.indicator = label;
    card.title = defs[name] || "";
    card.innerHTML = `<div class="label"></div><div class="value"></div><div class="label"></div>`;
    card.children[0].textContent = label;
    card.children[1].textContent = value;
    card.children[2].textContent = hint;
    return card;
  }));
}

function byAgency(comparison) {
  const rows = comparison.agencies.filter((a) => a.exits > 0);
  const width = 1100, barH = 18, left = 330, height = rows.length * (barH + 6) + 40;
  const chart = svg(width, height);
  const scale = (x) => left + x * (width - left - 110);
  rows.forEach((a, i) => {
    const y = 20 + i * (barH + 6);
    chart.append(el("text", { x: left - 8, y: y + 13, "text-anchor": "end", "font-size": 12 },
      (a.agency_name || a.agency_id).replace(/^ALI /, "")));
    chart.append(el("rect", { x: left, y, width: scale(a.positive_exit_rate || 0) - left, height: barH,
      fill: "var(--accent)", "data-agency": a.agency_id }));
    chart.append(el("text", { x: scale(a.positive_exit_rate || 0) + 4, y: y + 13, "font-size": 11 },
      `${pct(a.positive_exit_rate)} (${a.exits})`));
  });
  const avg = comparison.department.positive_exit_rate;
  if (avg !== null) {
    chart.append(el("line", { x1: scale(avg), x2: scale(avg), y1: 10, y2: height - 10, stroke: "#c0392b",
      "stroke-dasharray": "4 3" }));
    chart.append(el("text", { x: scale(avg) + 4, y: height - 4, "font-size": 11, fill: "#c0392b" },
      `Département ${pct(avg)}`));
  }
  $("by-agency").replaceChildren(rows.length ? chart : document.createTextNode("Aucune sortie sur la période."));
}

function trends(data) {
  const months = data.months, width = 540, height = 240, pad = 30;
  const max = Math.max(1, ...months.flatMap((m) => [m.entries, m.exits, m.caseload]));
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, months.length - 1);
  const y = (v) => height - pad - (v * (height - 2 * pad)) / max;
  const chart = svg(width, height);
  [["caseload", "var(--accent)", "File active"], ["entries", "var(--transition)", "Entrées"],
   ["exits", "#c0392b", "Sorties"]].forEach(([key, color, label], k) => {
    chart.append(el("polyline", { fill: "none", stroke: color, "stroke-width": 2,
      points: months.map((m, i) => `${x(i)},${y(m[key])}`).join(" ") }));
    chart.append(el("text", { x: pad + k * 110, y: 14, "font-size": 11, fill: color }, label));
  });
  months.forEach((m, i) => {
    if (i % 2 === 0) chart.append(el("text", { x: x(i), y: height - 8, "font-size": 10, "text-anchor": "middle" }, m.month));
  });
  chart.append(el("text", { x: 2, y: y(max) + 4, "font-size": 10 }, num(max)));
  $("trends").replaceChildren(chart);

  const stacked = svg(width, height);
  const maxExits = Math.max(1, ...months.map((m) => m.exits));
  const bw = (width - 2 * pad) / months.length - 4;
  months.forEach((m, i) => {
    let top = height - pad;
    for (const [group, , color] of GROUPS) {
      const h = (m.exits_by_group[group] * (height - 2 * pad)) / maxExits;
      top -= h;
      stacked.append(el("rect", { x: pad + i * (bw + 4), y: top, width: bw, height: h, fill: color }));
    }
    if (i % 2 === 0) stacked.append(el("text", { x: pad + i * (bw + 4) + bw / 2, y: height - 8, "font-size": 10,
      "text-anchor": "middle" }, m.month));
  });
  GROUPS.forEach(([, label, color], k) => stacked.append(el("text", { x: pad + k * 130, y: 14, "font-size": 11,
    fill: color === "var(--other)" ? "#777" : color }, label)));
  $("exit-groups").replaceChildren(stacked);
}

function barriers(b) {
  const cats = Object.keys(b.by_category);
  const width = 540, rowH = 22, left = 190, height = cats.length * rowH + 30;
  const max = Math.max(1, ...cats.map((c) => b.by_category[c].identified));
  const chart = svg(width, height);
  cats.forEach((c, i) => {
    const y = 20 + i * rowH, v = b.by_category[c];
    const w = (n) => (n * (width - left - 70)) / max;
    chart.append(el("text", { x: left - 6, y: y + 12, "text-anchor": "end", "font-size": 11 }, BARRIERS[c] || c));
    chart.append(el("rect", { x: left, y, width: w(v.identified), height: 8, fill: "var(--other)" }));
    chart.append(el("rect", { x: left, y: y + 9, width: w(v.lifted), height: 8, fill: "var(--durable)" }));
    chart.append(el("text", { x: left + w(v.identified) + 4, y: y + 12, "font-size": 10 }, `${v.lifted}/${v.identified}`));
  });
  chart.append(el("text", { x: left, y: 12, "font-size": 10 }, "gris : identifiés — vert : levés"));
  $("barriers").replaceChildren(cats.length ? chart : document.createTextNode("Aucun frein sur la période."));
}

function table(id, header, rows) {
  const t = $(id);
  t.innerHTML = "";
  const head = t.createTHead().insertRow();
  header.forEach((h, i) => { const th = document.createElement("th"); th.textContent = h; if (i) th.className = "num"; head.append(th); });
  const body = t.createTBody();
  rows.forEach((r) => { const tr = body.insertRow(); r.forEach((v, i) => { const td = tr.insertCell(); td.textContent = v; if (i) td.className = "num"; }); });
}

function details(figures) {
  const w = figures.workshops;
  table("workshops", ["Thème", "Sessions", "Inscrits", "Présents", "Assiduité"],
    Object.entries(w.by_theme).map(([t, v]) => [THEMES[t] || t, num(v.sessions), num(v.registrations), num(v.attendance), pct(v.attendance_rate)])
      .concat([["Total", num(w.sessions), num(w.registrations), num(w.attendance), pct(w.attendance_rate)]]));
  const a = figures.accompaniments, f = figures.follow_up;
  table("follow-up", ["Indicateur", "Valeur"], [
    ["Renouvellements", num(a.renewals)], ["Suspensions", num(a.suspensions)],
    ["Durée moyenne (jours)", num(a.average_duration_days)], ["Durée médiane (jours)", num(a.median_duration_days)],
    ["1er RDV < 30 jours", pct(f.first_appointment_under_30_days_share)],
    ["Contrats signés", num(f.contracts_signed)],
  ]);
  const p = figures.placement;
  table("placement", ["Indicateur", "Valeur"], [
    ["Employeurs actifs", num(p.employers_active)], ["Besoins ouverts", num(p.needs_open)],
    ["Mises en relation", num(p.introductions)], ["Embauches", num(p.hires)],
    ...Object.entries(p.hires_by_contract).map(([c, n]) => [`  dont ${c}`, num(n)]),
    ["En emploi à 6 mois", pct(p.still_employed_at_6_months_share)], ["Immersions (PMSMP)", num(p.immersions)],
  ]);
}

async function refresh() {
  if (!token()) {
    $("login").hidden = false;
    $("status").textContent = "Jeton requis.";
    return;
  }
  try {
    const params = query();
    const defs = await definitions();
    const [figures, comparison, monthly] = await Promise.all([
      api(`/indicators?${params}`), api(`/indicators/agencies?${params}`),
      api(`/indicators/trends?${new URLSearchParams(params.get("agency_id") ? { agency_id: params.get("agency_id") } : {})}`),
    ]);
    const select = $("agency");
    if (select.options.length === 1) {
      for (const a of comparison.agencies) select.append(new Option(a.agency_name || a.agency_id, a.agency_id));
    }
    headline(figures, defs);
    byAgency(comparison);
    trends(monthly);
    barriers(figures.barriers);
    details(figures);
    $("csv").href = `/indicators.csv?${params}`;
    $("content").hidden = false;
    $("login").hidden = true;
    $("status").textContent = `Période du ${figures.period.start} au ${figures.period.end} — ${figures.scope} — mis à jour à ${new Date().toLocaleTimeString("fr-FR")}`;
    document.body.dataset.loaded = "true";
    document.body.dataset.state = "ready";
  } catch (e) {
    if (e.message === "recovering") {
      document.body.dataset.state = "recovering";
      $("status").textContent = "Indicateurs en cours de reprise (chargement des données)… nouvel essai dans quelques secondes.";
      return;
    }
    if (e.message === "unauthorised") { $("login").hidden = false; $("status").textContent = "Jeton refusé."; return; }
    $("status").textContent = `Erreur : ${e.message}`;
  }
}

$("filters").addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
$("login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem("ali-token", $("token").value.trim());
  refresh();
});
$("csv").addEventListener("click", async (e) => {
  e.preventDefault();
  const response = await fetch($("csv").href, { headers: { Authorization: `Bearer ${token()}` } });
  const url = URL.createObjectURL(await response.blob());
  Object.assign(document.createElement("a"), { href: url, download: "indicateurs.csv" }).click();
});
refresh();
setInterval(refresh, REFRESH_MS);
