"use strict";
// The ALI indicators dashboard. It signs the person in with the platform's identity provider (OpenID Connect,
// authorization code flow with PKCE, by the vendored oidc-client-ts), reads /indicators, /indicators/agencies and
// /indicators/trends with their access token, and draws plain SVG charts, each followed by its data table.
// The automatic refresh can be paused, redraws only what changed, and never speaks to screen readers: only what
// the person does (a load they asked for, an error, signing in or out) is announced.

const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";
// Exit groups in the order of the official reporting, with their colour (dashboard.css).
const GROUPS = [["emploi_durable", "durable"], ["emploi_transition", "transition"], ["sortie_positive", "positive"],
  ["autre_sortie", "other"]];
const AGENCY_ROLES = ["caseworker", "agency_manager"];

const state = {
  config: null, labels: {}, manager: null, user: null, paused: false, busy: false, timer: null, drawn: {},
  // Definitions of the indicators by key (e.g. "accompaniments.caseload"), shown with each figure when known.
  definitions: {},
};

class SessionExpired extends Error {}

// ------------------------------------------------------------------ French formats and labels

const NUMBER = new Intl.NumberFormat("fr-FR");
const PERCENT = new Intl.NumberFormat("fr-FR", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const MONTH = new Intl.DateTimeFormat("fr-FR", { month: "short", year: "numeric" });
const MONTH_LONG = new Intl.DateTimeFormat("fr-FR", { month: "long", year: "numeric" });
const DAY = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit", year: "numeric" });
const TIME = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const missing = (x) => x === null || x === undefined;
const num = (x) => (missing(x) ? "—" : NUMBER.format(x));
const pct = (x) => (missing(x) ? "—" : PERCENT.format(x));
const day = (iso) => DAY.format(new Date(`${iso}T00:00:00`));
const month = (ym, long = false) => (long ? MONTH_LONG : MONTH).format(new Date(`${ym}-01T00:00:00`));
const label = (kind, code) => (state.labels[kind] || {})[code] || code;
const scopeName = (scope) => (scope === "department" ? label("scope", scope) : label("agency", scope));

// ------------------------------------------------------------------ messages

function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 100);
}

// A banner above the figures: an error, or a state of the figures worth knowing (e.g. still being rebuilt).
// It is an alert region: its text is only set when it changes, so that a failing refresh is not repeated.
function showNotice(text) {
  const notice = $("notice");
  if (notice.hidden || notice.textContent !== text) {
    notice.textContent = text;
    notice.hidden = false;
  }
}

function hideNotice() { $("notice").hidden = true; }

// ------------------------------------------------------------------ session

async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} : ${response.status}`);
  return response.json();
}

function claims(token) {
  try {
    return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return {};
  }
}

function role(user) {
  const roles = claims(user.access_token).realm_access?.roles || [];
  return ["admin", "department_staff", "agency_manager", "caseworker"].find((r) => roles.includes(r));
}

async function renew() {
  try {
    state.user = await state.manager.signinSilent();
  } catch {
    await state.manager.removeUser();
    state.user = null;
  }
  return state.user;
}

function showSignIn(message) {
  clearInterval(state.timer);
  $("loading").hidden = true;
  $("content").hidden = true;
  $("session").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-message").textContent = message
    || "Connectez-vous avec votre compte de la plateforme pour consulter les indicateurs.";
  $("sign-in-button").hidden = !state.manager;
  document.body.dataset.signedIn = "false";
}

async function start() {
  try {
    [state.config, state.labels] = await Promise.all([getJson("/dashboard/config"), getJson("/dashboard/labels")]);
  } catch (e) {
    $("loading").hidden = true;
    showNotice(`Le tableau de bord ne peut pas démarrer (${e.message}).`);
    return;
  }
  if (!state.config.issuer) {
    showSignIn("Aucun fournisseur d'identité n'est configuré pour ce service (réglage ALI_AUTH_ISSUER).");
    return;
  }
  const here = `${location.origin}${location.pathname}`;
  state.manager = new oidc.UserManager({
    authority: state.config.issuer,
    client_id: state.config.client_id,
    redirect_uri: here,
    post_logout_redirect_uri: here,
    response_type: "code",
    scope: "openid",
    // The access token is renewed with the refresh token a minute before it expires.
    automaticSilentRenew: true,
    monitorSession: false,
    userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
  });
  state.manager.events.addUserLoaded((user) => { state.user = user; });
  state.manager.events.addSilentRenewError(() => {
    showSignIn("Votre session a expiré : reconnectez-vous.");
    announce("Votre session a expiré : reconnectez-vous.");
  });
  const params = new URLSearchParams(location.search);
  try {
    if (params.has("state") && (params.has("code") || params.has("error"))) {
      state.user = await state.manager.signinRedirectCallback();
      history.replaceState(null, "", location.pathname);
    } else if (params.has("state")) {
      await state.manager.signoutRedirectCallback();
      history.replaceState(null, "", location.pathname);
      showSignIn("Vous êtes déconnecté·e.");
      announce("Vous êtes déconnecté·e.");
      return;
    } else {
      state.user = await state.manager.getUser();
      if (state.user?.expired) await renew();
    }
  } catch (e) {
    history.replaceState(null, "", location.pathname);
    showSignIn(`La connexion a échoué (${e.message}).`);
    return;
  }
  if (!state.user) {
    showSignIn();
    return;
  }
  signedIn();
}

function signedIn() {
  const profile = state.user.profile;
  const who = [profile.name || profile.preferred_username, label("role", role(state.user))];
  if (profile.agency_id) who.push(label("agency", profile.agency_id));
  $("who").textContent = `Connecté·e : ${who.filter(Boolean).join(", ")}`;
  $("session").hidden = false;
  $("sign-in").hidden = true;
  document.body.dataset.signedIn = "true";
  fillAgencies();
  load({ announced: true });
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (!state.paused && !document.hidden) load({ announced: false });
  }, state.config.refresh_seconds * 1000);
}

async function api(path) {
  const call = () => fetch(path, { headers: { Authorization: `Bearer ${state.user.access_token}` } });
  let response = await call();
  if (response.status === 401) {
    if (!(await renew())) throw new SessionExpired();
    response = await call();
    if (response.status === 401) throw new SessionExpired();
  }
  if (!response.ok) {
    let detail = "";
    try { detail = (await response.json()).detail || ""; } catch { /* no JSON body */ }
    throw new Error(`${response.status} ${detail}`.trim());
  }
  return response;
}

// ------------------------------------------------------------------ loading

function query() {
  const params = new URLSearchParams();
  if ($("agency").value) params.set("agency_id", $("agency").value);
  if ($("start").value) params.set("start", $("start").value);
  if ($("end").value) params.set("end", $("end").value);
  return params;
}

function fillAgencies() {
  const select = $("agency");
  if (select.options.length) return;
  const own = state.user.profile.agency_id || claims(state.user.access_token).agency_id;
  if (AGENCY_ROLES.includes(role(state.user)) && own) {
    select.append(new Option(label("agency", own), own));
    return;
  }
  select.append(new Option("Tout le département", ""));
  const agencies = Object.entries(state.labels.agency || {}).sort((a, b) => a[1].localeCompare(b[1], "fr"));
  for (const [id, name] of agencies) select.append(new Option(name, id));
}

async function load({ announced }) {
  if (state.busy || !state.user) return;
  state.busy = true;
  const params = query();
  const trendParams = new URLSearchParams(params.get("agency_id") ? { agency_id: params.get("agency_id") } : {});
  try {
    const [figures, comparison, monthly] = await Promise.all([
      api(`/indicators?${params}`).then((r) => r.json()),
      api(`/indicators/agencies?${params}`).then((r) => r.json()),
      api(`/indicators/trends?${trendParams}`).then((r) => r.json()),
    ]);
    render(figures, comparison, monthly);
    hideNotice();
    const where = scopeName(figures.scope);
    $("period").textContent = `${where} — période du ${day(figures.period.start)} au ${day(figures.period.end)},`
      + ` situation au ${day(figures.as_of)}.`;
    $("updated").textContent = `Mis à jour à ${TIME.format(new Date())}`
      + (state.paused ? " — actualisation automatique suspendue." : ", puis automatiquement.");
    $("loading").hidden = true;
    $("content").hidden = false;
    document.body.dataset.loaded = "true";
    if (announced) {
      announce(`Indicateurs affichés : ${where}, du ${day(figures.period.start)} au ${day(figures.period.end)}.`);
    }
  } catch (e) {
    if (e instanceof SessionExpired) {
      showSignIn("Votre session a expiré : reconnectez-vous.");
      announce("Votre session a expiré : reconnectez-vous.");
    } else {
      $("loading").hidden = true;
      showNotice(`Les indicateurs n'ont pas pu être chargés (${e.message}).`);
    }
  } finally {
    state.busy = false;
  }
}

// Each part is redrawn only when its data changed, so that an open table or the focus stays where it is.
function render(figures, comparison, monthly) {
  const parts = [
    ["headline", figures, headline], ["by-agency", comparison, byAgency], ["trends", monthly, trends],
    ["barriers", figures.barriers, barriers], ["exits", figures.accompaniments, exits],
    ["details", figures, details],
  ];
  for (const [name, data, draw] of parts) {
    const key = JSON.stringify(data);
    if (state.drawn[name] !== key) {
      draw(data);
      state.drawn[name] = key;
    }
  }
}

// ------------------------------------------------------------------ building blocks

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// A chart is an image with a short text alternative; its figures are in the table that follows it.
function svg(width, height, alternative) {
  return svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": alternative, focusable: "false" });
}

function cell(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

// A data table: a caption, column headers, and each row's first cell as its row header.
function table(caption, columns, rows) {
  const t = document.createElement("table");
  t.createCaption().textContent = caption;
  const head = t.createTHead().insertRow();
  columns.forEach((c, i) => {
    const th = cell("th", c, i ? "num" : "");
    th.scope = "col";
    head.append(th);
  });
  const body = t.createTBody();
  for (const row of rows) {
    const cells = Array.isArray(row) ? row : row.cells;
    const tr = body.insertRow();
    if (row.className) tr.className = row.className;
    const th = cell("th", cells[0]);
    th.scope = "row";
    tr.append(th);
    cells.slice(1).forEach((v) => tr.append(cell("td", v, "num")));
  }
  return t;
}

function describeIndicator(element, key) {
  const text = state.definitions[key];
  if (!text) return;
  const id = `definition-${key.replace(/\W/g, "-")}`;
  const node = cell("span", text, "definition");
  node.id = id;
  element.append(node);
  element.setAttribute("aria-describedby", id);
  element.title = text;
}

function draw(id, chart, dataTable) {
  const figure = $(id);
  figure.querySelector(".plot").replaceChildren(chart);
  figure.querySelector(".data").replaceChildren(dataTable);
}

// ------------------------------------------------------------------ parts of the page

function headline(figures) {
  const a = figures.accompaniments, f = figures.follow_up;
  const positive = figures.positive_groups.map((g) => label("exit_group", g).toLowerCase()).join(", ");
  const cards = [
    ["accompaniments.caseload", "File active", num(a.caseload), `au ${day(figures.as_of)}`],
    ["accompaniments.entries", "Entrées", num(a.entries), "sur la période"],
    ["accompaniments.exits", "Sorties", num(a.exits), "sur la période"],
    ["accompaniments.positive_exit_rate", "Taux de sorties positives", pct(a.positive_exit_rate),
      `${positive}, sur toutes les sorties`],
    ["accompaniments.emploi_durable_rate", "Taux d'emploi durable", pct(a.emploi_durable_rate), "des sorties"],
    ["follow_up.first_appointment_under_15_days_share", "Premier rendez-vous en moins de 15 jours",
      pct(f.first_appointment_under_15_days_share), "après l'orientation"],
    ["follow_up.contracts_signed_in_time_share", "Contrats d'engagement signés dans le délai",
      pct(f.contracts_signed_in_time_share), "un mois après l'orientation"],
  ];
  $("headline").replaceChildren(...cards.map(([key, name, value, hint]) => {
    const card = document.createElement("li");
    card.className = "card";
    card.dataset.indicator = key;
    card.append(cell("span", name, "label"), cell("span", value, "value"), cell("span", hint, "hint"));
    describeIndicator(card, key);
    return card;
  }));
}

function byAgency(comparison) {
  const agencies = comparison.agencies;
  const rows = agencies.filter((a) => a.exits > 0);
  const avg = comparison.department.positive_exit_rate;
  const width = 1100, barH = 18, left = 330, height = rows.length * (barH + 6) + 40;
  const scale = (x) => left + x * (width - left - 120);
  let chart;
  if (rows.length) {
    const rates = rows.map((a) => a.positive_exit_rate);
    chart = svg(width, height, `Barres horizontales : taux de sorties positives de ${rows.length} agence(s), de `
      + `${pct(Math.min(...rates))} à ${pct(Math.max(...rates))}`
      + (missing(avg) ? "" : ` ; moyenne du département ${pct(avg)}`) + ". Valeurs dans le tableau des données.");
    rows.forEach((a, i) => {
      const y = 20 + i * (barH + 6);
      chart.append(svgEl("text", { x: left - 8, y: y + 13, "text-anchor": "end", "font-size": 12 },
        label("agency", a.agency_id)));
      chart.append(svgEl("rect", { x: left, y, width: scale(a.positive_exit_rate || 0) - left, height: barH,
        fill: "var(--accent)", "data-agency": a.agency_id }));
      chart.append(svgEl("text", { x: scale(a.positive_exit_rate || 0) + 4, y: y + 13, "font-size": 12 },
        `${pct(a.positive_exit_rate)} (${num(a.exits)} sorties)`));
    });
    if (!missing(avg)) {
      chart.append(svgEl("line", { x1: scale(avg), x2: scale(avg), y1: 10, y2: height - 16, stroke: "var(--alert)",
        "stroke-width": 2, "stroke-dasharray": "6 4" }));
      chart.append(svgEl("text", { x: scale(avg) + 4, y: height - 4, "font-size": 12 }, `Département ${pct(avg)}`));
    }
  } else {
    chart = cell("p", "Aucune sortie sur la période.");
  }
  const dataRows = agencies.map((a) => [label("agency", a.agency_id), num(a.exits), num(a.positive_exits),
    pct(a.positive_exit_rate)]);
  if (agencies.length > 1) {
    const d = comparison.department;
    dataRows.push({ cells: ["Département", num(d.exits), num(d.positive_exits), pct(d.positive_exit_rate)],
      className: "total" });
  }
  draw("by-agency", chart, table(`Taux de sorties positives par agence, du ${day(comparison.period.start)} au `
    + `${day(comparison.period.end)}`, ["Agence", "Sorties", "Sorties positives", "Taux de sorties positives"],
  dataRows));
}

function trends(data) {
  const months = data.months, width = 540, height = 250, pad = 34;
  const max = Math.max(1, ...months.flatMap((m) => [m.entries, m.exits, m.caseload]));
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, months.length - 1);
  const y = (v) => height - pad - (v * (height - 2 * pad)) / max;
  const first = months[0], last = months[months.length - 1];
  const chart = svg(width, height, `Courbes de ${month(first.month, true)} à ${month(last.month, true)} : file active `
    + `de ${num(first.caseload)} à ${num(last.caseload)}, ${num(months.reduce((s, m) => s + m.entries, 0))} entrées et `
    + `${num(months.reduce((s, m) => s + m.exits, 0))} sorties en tout. Valeurs dans le tableau des données.`);
  const lines = [["caseload", "var(--accent)", ""], ["entries", "var(--durable)", "8 4"], ["exits", "var(--alert)", "2 3"]];
  for (const [key, colour, dash] of lines) {
    chart.append(svgEl("polyline", { fill: "none", stroke: colour, "stroke-width": 2.5, "stroke-dasharray": dash,
      points: months.map((m, i) => `${x(i)},${y(m[key])}`).join(" ") }));
  }
  months.forEach((m, i) => {
    if (i % 2 === 0) chart.append(svgEl("text", { x: x(i), y: height - 10, "font-size": 11, "text-anchor": "middle" },
      month(m.month)));
  });
  chart.append(svgEl("text", { x: 2, y: y(max) - 4, "font-size": 11 }, num(max)));
  draw("trends", chart, table("Entrées, sorties et file active par mois",
    ["Mois", "Entrées", "Sorties", "File active en fin de mois", "Taux de sorties positives"],
    months.map((m) => [month(m.month, true), num(m.entries), num(m.exits), num(m.caseload), pct(m.positive_exit_rate)])));
  exitGroups(months);
}

function exitGroups(months) {
  const width = 540, height = 250, pad = 34;
  const legend = $("exit-groups-legend");
  if (!legend.children.length) {
    legend.replaceChildren(...GROUPS.map(([group, colour]) => {
      const item = document.createElement("li");
      const swatch = cell("span", "", "swatch");
      swatch.dataset.colour = colour;
      item.append(swatch, label("exit_group", group));
      return item;
    }));
  }
  const maxExits = Math.max(1, ...months.map((m) => m.exits));
  const bw = (width - 2 * pad) / months.length - 4;
  const total = months.reduce((s, m) => s + m.exits, 0);
  const chart = svg(width, height, `Barres empilées : ${num(total)} sorties de ${month(months[0].month, true)} à `
    + `${month(months[months.length - 1].month, true)}, par groupe (`
    + GROUPS.map(([g]) => `${label("exit_group", g).toLowerCase()} ${num(months.reduce((s, m) => s + m.exits_by_group[g], 0))}`)
      .join(", ") + "). Valeurs dans le tableau des données.");
  months.forEach((m, i) => {
    let top = height - pad;
    for (const [group, colour] of GROUPS) {
      const h = (m.exits_by_group[group] * (height - 2 * pad)) / maxExits;
      top -= h;
      if (h > 0) chart.append(svgEl("rect", { x: pad + i * (bw + 4), y: top, width: bw, height: h,
        fill: `var(--${colour})`, stroke: "#ffffff", "stroke-width": 1 }));
    }
    if (i % 2 === 0) chart.append(svgEl("text", { x: pad + i * (bw + 4) + bw / 2, y: height - 10, "font-size": 11,
      "text-anchor": "middle" }, month(m.month)));
  });
  chart.append(svgEl("text", { x: 2, y: pad - 6, "font-size": 11 }, num(maxExits)));
  draw("exit-groups", chart, table("Sorties par groupe et par mois",
    ["Mois", ...GROUPS.map(([g]) => label("exit_group", g)), "Total"],
    months.map((m) => [month(m.month, true), ...GROUPS.map(([g]) => num(m.exits_by_group[g])), num(m.exits)])));
}

function barriers(b) {
  const cats = Object.keys(b.by_category);
  const width = 540, rowH = 24, left = 200, height = cats.length * rowH + 16;
  const max = Math.max(1, ...cats.map((c) => b.by_category[c].identified));
  let chart;
  if (cats.length) {
    chart = svg(width, height, `Barres : ${num(b.identified)} freins identifiés et ${num(b.lifted)} levés, `
      + `dans ${cats.length} catégories. Valeurs dans le tableau des données.`);
    cats.forEach((c, i) => {
      const y = 6 + i * rowH, v = b.by_category[c];
      const w = (n) => (n * (width - left - 70)) / max;
      chart.append(svgEl("text", { x: left - 6, y: y + 13, "text-anchor": "end", "font-size": 12 },
        label("barrier_category", c)));
      chart.append(svgEl("rect", { x: left, y, width: w(v.identified), height: 9, fill: "var(--identified)" }));
      chart.append(svgEl("rect", { x: left, y: y + 10, width: w(v.lifted), height: 9, fill: "var(--lifted)" }));
      chart.append(svgEl("text", { x: left + w(v.identified) + 4, y: y + 13, "font-size": 11 },
        `${num(v.lifted)} / ${num(v.identified)}`));
    });
  } else {
    chart = cell("p", "Aucun frein sur la période.");
  }
  draw("barriers", chart, table("Freins identifiés et levés par catégorie", ["Frein", "Identifiés", "Levés"],
    cats.map((c) => [label("barrier_category", c), num(b.by_category[c].identified), num(b.by_category[c].lifted)])
      .concat([{ cells: ["Total", num(b.identified), num(b.lifted)], className: "total" }])));
}

function exits(a) {
  const groupOf = state.labels.exit_category_group || {};
  const order = GROUPS.map(([g]) => g);
  const rows = Object.entries(a.exits_by_category)
    .sort((x, y) => order.indexOf(groupOf[x[0]]) - order.indexOf(groupOf[y[0]]) || y[1] - x[1])
    .map(([category, n]) => [label("exit_category", category), label("exit_group", groupOf[category]), num(n)]);
  $("exits").replaceChildren(rows.length
    ? table("Sorties de la période par motif", ["Motif de sortie", "Groupe", "Sorties"],
      rows.concat([{ cells: ["Total", "", num(a.exits)], className: "total" }]))
    : cell("p", "Aucune sortie sur la période."));
}

function details(figures) {
  const a = figures.accompaniments, f = figures.follow_up, w = figures.workshops, p = figures.placement;
  $("follow-up").replaceChildren(table("Suivi des accompagnements sur la période", ["Indicateur", "Valeur"], [
    ["Renouvellements", num(a.renewals)], ["Suspensions", num(a.suspensions)],
    ["Accompagnements suspendus à la date de situation", num(a.suspended)],
    ["Durée moyenne des accompagnements terminés (jours)", num(a.average_duration_days)],
    ["Durée médiane des accompagnements terminés (jours)", num(a.median_duration_days)],
    ["Premier rendez-vous en moins de 30 jours", pct(f.first_appointment_under_30_days_share)],
    ["Contrats d'engagement signés", num(f.contracts_signed)],
  ]));
  $("workshops").replaceChildren(table("Ateliers collectifs par thème",
    ["Thème", "Sessions", "Inscriptions", "Présences", "Assiduité"],
    Object.entries(w.by_theme).map(([t, v]) => [label("workshop_theme", t), num(v.sessions), num(v.registrations),
      num(v.attendance), pct(v.attendance_rate)])
      .concat([{ cells: ["Total", num(w.sessions), num(w.registrations), num(w.attendance), pct(w.attendance_rate)],
        className: "total" }])));
  const sub = (kind, breakdown) => Object.entries(breakdown)
    .map(([code, n]) => ({ cells: [label(kind, code), num(n)], className: "sub" }));
  $("placement").replaceChildren(table("Employeurs, mises en relation et immersions", ["Indicateur", "Valeur"], [
    ["Employeurs actifs", num(p.employers_active)], ["Besoins publiés", num(p.needs_published)],
    ["Besoins ouverts", num(p.needs_open)],
    ["Mises en relation", num(p.introductions)], ...sub("introduction_outcome", p.introductions_by_outcome),
    ["Embauches", num(p.hires)], ["Fins de contrat anticipées", num(p.hires_ended_early)],
    ["En emploi à 6 mois", pct(p.still_employed_at_6_months_share)],
    ["Immersions (PMSMP)", num(p.immersions)], ...sub("immersion_outcome", p.immersions_by_outcome),
  ]));
  const hires = document.createDocumentFragment();
  hires.append(table("Embauches par type de contrat", ["Contrat", "Embauches"],
    Object.entries(p.hires_by_contract).map(([c, n]) => [label("contract_type", c), num(n)])));
  hires.append(table("Embauches par secteur", ["Secteur", "Embauches"],
    Object.entries(p.hires_by_sector).map(([s, n]) => [label("sector", s), num(n)])));
  $("hires").replaceChildren(hires);
}

// ------------------------------------------------------------------ controls

$("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  state.drawn = {};
  load({ announced: true });
});
$("pause").addEventListener("click", () => {
  state.paused = !state.paused;
  $("pause").setAttribute("aria-pressed", String(state.paused));
  $("updated").textContent = state.paused ? "Actualisation automatique suspendue." : "Actualisation automatique reprise.";
  announce(state.paused ? "Actualisation automatique suspendue." : "Actualisation automatique reprise.");
});
$("csv").addEventListener("click", async () => {
  try {
    const response = await api(`/indicators.csv?${query()}`);
    const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "")?.[1] || "indicateurs.csv";
    const url = URL.createObjectURL(await response.blob());
    Object.assign(document.createElement("a"), { href: url, download: name }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce("Téléchargement du fichier CSV des indicateurs.");
  } catch (e) {
    showNotice(`Le fichier CSV n'a pas pu être téléchargé (${e.message}).`);
  }
});
$("sign-in-button").addEventListener("click", () => state.manager.signinRedirect());
$("sign-out").addEventListener("click", () => {
  clearInterval(state.timer);
  // The state brings the person back here knowing they signed out (Keycloak's end-session endpoint keeps it).
  state.manager.signoutRedirect({ state: { signedOut: true } });
});

start();
