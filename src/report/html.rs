//! The report as one self-contained French HTML page: inline CSS and SVG,
//! no script, no external resource, printable on A4. The dashboard of
//! `vigie serve` serves the same page, with links to each desk's page
//! ([`desk_page`]).
//!
//! Every text that comes from a desk, a certificate, a mail server or a
//! log goes through [`crate::escape::html`]; the page carries no `style`
//! attribute, so that a Content-Security-Policy can allow its one style
//! sheet by hash ([`style_hash`]) and nothing else.

use std::fmt::Write;

use base64::Engine;
use chrono_tz::Tz;
use sha2::Digest;

use super::csv::{alert_kind_fr, alert_state_fr, push_fr};
use super::{
    by_region, counts, delays, needing_action, state_fr, timeline, timeline_svg, Intake, Regions,
    Report, ReportRow, STATES,
};
use crate::clock::{french_date, parse_instant, Instant};
use crate::escape::html as esc;
use crate::model::{AlertRecord, AuditEntry, CertRecord, PushJob};
use crate::status::State;

/// The page's one style sheet.
pub const STYLE: &str = include_str!("report.css");

/// The CSP source that allows [`STYLE`] and no other style:
/// `'sha256-<base64>'`.
pub fn style_hash() -> String {
    let digest = sha2::Sha256::digest(STYLE.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The Content-Security-Policy the pages are served with: nothing may load
/// or run but the page's own style sheet.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        style_hash()
    )
}

/// Date and time in `tz`, `dd/mm/yyyy à HH:MM`.
fn date_time(at: Instant, tz: Tz) -> String {
    at.with_timezone(&tz).format("%d/%m/%Y à %H:%M").to_string()
}

/// An RFC 3339 date of a row as dd/mm/yyyy in `tz`.
fn date_of(s: Option<&str>, tz: Tz) -> String {
    s.and_then(|s| parse_instant(s).ok())
        .map(|i| french_date(i, tz))
        .unwrap_or_default()
}

/// The page head and the opening of the body.
fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        esc(title)
    );
}

/// A desk id, linked to its page on the dashboard.
fn desk_ref(out: &mut String, desk: &str, links: bool) {
    if links {
        let _ = write!(out, "<a href=\"/guichets/{0}\">{0}</a>", esc(desk));
    } else {
        out.push_str(&esc(desk));
    }
}

/// The state of a row as a coloured label.
fn state_label(state: State) -> String {
    format!(
        "<span class=\"etat {}\">{}</span>",
        state.as_str(),
        state_fr(state)
    )
}

/// The report page. With `links`, desk ids link to `/guichets/<id>` (the
/// dashboard); without, the page stands alone (a file, an attachment).
pub fn page(report: &Report, regions: &Regions, links: bool) -> String {
    let tz = report.tz;
    let rows = &report.rows;
    let mut out = String::with_capacity(64 * 1024 + rows.len() * 400);
    let title = format!(
        "Certificats des guichets — rapport du {}",
        french_date(report.now, tz)
    );
    head(&mut out, &title);
    let _ = write!(
        out,
        "<header><h1>Certificats des guichets enregistreurs</h1>\
         <p class=\"sous-titre\">Rapport du {} — {}</p></header>",
        date_time(report.now, tz),
        esc(&report.scope.fr())
    );

    // Counts by state, as big numbers.
    let c = counts(rows);
    out.push_str("<section id=\"etats\"><h2>Les guichets par état</h2><div class=\"chiffres\">");
    let _ = write!(
        out,
        "<div class=\"chiffre total\"><span class=\"valeur\" data-etat=\"total\">{}</span>\
         <span class=\"libelle\">guichets</span></div>",
        c.total()
    );
    for state in STATES {
        let _ = write!(
            out,
            "<div class=\"chiffre {0}\"><span class=\"valeur\" data-etat=\"{0}\">{1}</span>\
             <span class=\"libelle\">{2}</span></div>",
            state.as_str(),
            c.get(state),
            state_fr(state)
        );
    }
    out.push_str("</div></section>");

    // The timeline.
    let months = timeline(rows, report.now, tz);
    let _ = write!(
        out,
        "<section id=\"echeancier\"><h2>Fins de vie des 24 prochains mois</h2>\
         <p class=\"note\">Certificats en cours, par mois de fin de validité et par état aujourd'hui.</p>\
         <div class=\"graphique\">{}</div></section>",
        timeline_svg(&months)
    );

    // Per region, then department.
    out.push_str(
        "<section id=\"regions\"><h2>Par région et département</h2>\
         <table><thead><tr><th>Région / département</th><th>Guichets</th>",
    );
    for state in STATES {
        let _ = write!(out, "<th>{}</th>", state_fr(state));
    }
    out.push_str("</tr></thead><tbody>");
    // Desks without a region come last, after the named ones.
    let mut grouped: Vec<_> = by_region(rows).into_iter().collect();
    grouped.sort_by_key(|(region, _)| region.is_empty());
    for (region, departments) in grouped {
        let mut total = super::Counts::default();
        for c in departments.values() {
            for (i, n) in c.0.iter().enumerate() {
                total.0[i] += n;
            }
        }
        let name = if region.is_empty() {
            "Sans région".to_owned()
        } else {
            region.clone()
        };
        counts_row(&mut out, "region", &name, &total);
        for (d, c) in &departments {
            let name = match (d.as_str(), regions.department_name(d)) {
                ("", _) => "Sans département".to_owned(),
                (d, Some(n)) => format!("{d} — {n}"),
                (d, None) => d.to_owned(),
            };
            counts_row(&mut out, "departement", &name, c);
        }
    }
    out.push_str("</tbody></table></section>");

    // Desks needing action.
    let todo = needing_action(rows);
    let _ = write!(
        out,
        "<section id=\"a-traiter\"><h2>Guichets à traiter ({})</h2>",
        todo.len()
    );
    if todo.is_empty() {
        out.push_str("<p>Aucun guichet n'attend d'action.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Guichet</th><th>Nom</th><th>Dépt</th><th>État</th>\
             <th>Jours restants</th><th>Fin de validité</th><th>Dernière alerte</th>\
             <th>Contact</th><th>Configuration nationale</th></tr></thead><tbody>",
        );
        for r in todo {
            action_row(&mut out, r, tz, links);
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");

    // Issue 16: deadline campaigns.
    super::campaigns::section(&mut out, report, links);

    // Addresses that bounce, and messages that did not reach an address.
    let _ = write!(
        out,
        "<section id=\"non-remis\"><h2>Adresses qui reviennent en erreur ou refusées</h2>\
         <p class=\"note\">Les adresses dont un message est revenu en erreur, tant que le \
         guichet les garde ; les envois refusés depuis le {}. Un message revenu en erreur \
         n'est pas renvoyé : corriger l'adresse du guichet.</p>",
        french_date(report.since, tz)
    );
    if report.undelivered.is_empty() {
        out.push_str("<p>Tous les messages de la période ont été remis.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Guichet</th><th>Adresses</th><th>Retour</th><th>Raison</th>\
             <th>Date</th></tr></thead><tbody>",
        );
        for u in &report.undelivered {
            out.push_str("<tr><td>");
            desk_ref(&mut out, &u.desk, links);
            let _ = write!(
                out,
                "</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if u.recipients.is_empty() {
                    "adresse non précisée".to_owned()
                } else {
                    esc(&u.recipients.join(", ")).to_string()
                },
                u.how.fr(),
                esc(&u.error),
                french_date(u.at, tz)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");

    // Messages from the mailbox waiting for people.
    let _ = write!(
        out,
        "<section id=\"a-lire\"><h2>Messages en attente d'une personne ({})</h2>\
         <p class=\"note\">Messages reçus depuis le {} que vigie a laissés à l'équipe \
         (dossier « à traiter » de la boîte).</p>",
        report.waiting.len(),
        french_date(report.since, tz)
    );
    if report.waiting.is_empty() {
        out.push_str("<p>Aucun message en attente.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Reçu le</th><th>Expéditeur</th><th>Objet</th>\
             <th>Guichet</th><th>Pourquoi</th></tr></thead><tbody>",
        );
        for w in &report.waiting {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>",
                french_date(w.at, tz),
                esc(w.from.as_deref().unwrap_or("inconnu")),
                esc(w.subject.as_deref().unwrap_or("(sans objet)")),
            );
            match &w.desk {
                Some(d) => desk_ref(&mut out, d, links),
                None => out.push_str("non attribué"),
            }
            let _ = write!(out, "</td><td>{}</td></tr>", esc(&w.why));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");

    // Intake of the period.
    let n = |o: Intake| report.intake.iter().filter(|l| l.outcome == o).count();
    let _ = write!(
        out,
        "<section id=\"arrivees\"><h2>Certificats reçus depuis le {}</h2>\
         <p><span data-arrivees=\"acceptes\">{}</span> acceptés, \
         <span data-arrivees=\"avertissements\">{}</span> acceptés avec avertissement, \
         <span data-arrivees=\"refuses\">{}</span> refusés.</p>",
        french_date(report.since, tz),
        n(Intake::Accepted),
        n(Intake::AcceptedWithWarnings),
        n(Intake::Refused)
    );
    let notable: Vec<_> = report
        .intake
        .iter()
        .filter(|l| l.outcome != Intake::Accepted)
        .collect();
    if !notable.is_empty() {
        out.push_str(
            "<table><thead><tr><th>Date</th><th>Guichet</th><th>Issue</th><th>Détail</th>\
             </tr></thead><tbody>",
        );
        for l in notable {
            let _ = write!(out, "<tr><td>{}</td><td>", french_date(l.at, tz));
            match &l.desk {
                Some(d) => desk_ref(&mut out, d, links),
                None => out.push_str("non attribué"),
            }
            let _ = write!(
                out,
                "</td><td>{}</td><td>{}</td></tr>",
                match l.outcome {
                    Intake::Refused => "refusé",
                    _ => "accepté avec avertissement",
                },
                esc(&l.detail)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");

    // Renewal delays.
    out.push_str(
        "<section id=\"delais\"><h2>Délai de renouvellement par département</h2>\
         <p class=\"note\">Jours entre la première alerte et la réception du certificat renouvelé.</p>",
    );
    let d = delays(&report.renewals);
    if d.is_empty() {
        out.push_str("<p>Aucun renouvellement mesuré.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Département</th><th>Renouvellements</th>\
             <th>Délai médian (jours)</th><th>Délai le plus long (jours)</th></tr></thead><tbody>",
        );
        for x in d {
            let name = if x.department.is_empty() {
                "Sans département".into()
            } else {
                x.department.clone()
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&name),
                x.renewals,
                x.median,
                x.worst
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
    let _ = writeln!(
        out,
        "<footer>vigie {} — données au {}.</footer></body></html>",
        env!("CARGO_PKG_VERSION"),
        date_time(report.now, tz)
    );
    out
}

/// A line of counts by state.
fn counts_row(out: &mut String, class: &str, name: &str, c: &super::Counts) {
    let _ = write!(
        out,
        "<tr class=\"{class}\"><td>{}</td><td class=\"n\">{}</td>",
        esc(name),
        c.total()
    );
    for state in STATES {
        let _ = write!(out, "<td class=\"n\">{}</td>", c.get(state));
    }
    out.push_str("</tr>");
}

/// A line of the desks needing action.
fn action_row(out: &mut String, r: &ReportRow, tz: Tz, links: bool) {
    out.push_str("<tr><td>");
    desk_ref(out, &r.desk, links);
    let alert = match (r.last_alert_kind, r.last_alert_state) {
        (Some(k), Some(s)) => format!(
            "{} ({}), {}",
            alert_kind_fr(k),
            alert_state_fr(s),
            date_of(r.last_alert_at.as_deref(), tz)
        ),
        _ => "aucune".into(),
    };
    let _ = write!(
        out,
        "</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td>\
         <td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(&r.name),
        esc(r.department.as_deref().unwrap_or("")),
        state_label(r.state),
        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
        date_of(r.not_after.as_deref(), tz),
        esc(&alert),
        esc(&r.contact.join(", ")),
        r.push_state.map(push_fr).unwrap_or("—"),
    );
}

/// What the page of one desk shows.
pub struct DeskPage<'a> {
    /// Its report row.
    pub row: &'a ReportRow,
    /// Every certificate it has had, oldest end first.
    pub history: &'a [CertRecord],
    /// Its alerts, in the store's order.
    pub alerts: &'a [AlertRecord],
    /// Its pushes.
    pub pushes: &'a [PushJob],
    /// Its audit lines, oldest first.
    pub audit: &'a [AuditEntry],
    /// The instant of the page.
    pub now: Instant,
    /// The zone of its dates.
    pub tz: Tz,
}

/// The page of one desk (`/guichets/<id>` on the dashboard): its
/// certificate, history, alerts, pushes and audit lines.
pub fn desk_page(p: &DeskPage<'_>) -> String {
    let (r, tz) = (p.row, p.tz);
    let mut out = String::with_capacity(16 * 1024);
    head(&mut out, &format!("Guichet {} — {}", r.desk, r.name));
    let _ = write!(
        out,
        "<header><p><a href=\"/\">← Tableau de bord</a></p><h1>Guichet {} — {}</h1>\
         <p class=\"sous-titre\">{} · {}</p></header>",
        esc(&r.desk),
        esc(&r.name),
        state_label(r.state),
        date_time(p.now, tz)
    );
    let _ = write!(
        out,
        "<section id=\"certificat\"><h2>Certificat en cours</h2><dl>\
         <dt>Département</dt><dd>{}</dd><dt>Région</dt><dd>{}</dd><dt>Contact</dt><dd>{}</dd>\
         <dt>Sujet</dt><dd>{}</dd><dt>Autorité de certification</dt><dd>{}</dd>\
         <dt>Fin de validité</dt><dd>{}</dd><dt>Jours restants</dt><dd>{}</dd>\
         <dt>Empreinte SHA-256</dt><dd class=\"empreinte\">{}</dd>\
         <dt>Configuration nationale</dt><dd>{}</dd></dl></section>",
        esc(r.department.as_deref().unwrap_or("—")),
        esc(r.region.as_deref().unwrap_or("—")),
        esc(&r.contact.join(", ")),
        esc(r.subject.as_deref().unwrap_or("—")),
        esc(r.issuer.as_deref().unwrap_or("—")),
        date_of(r.not_after.as_deref(), tz),
        r.days_left
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        esc(r.sha256.as_deref().unwrap_or("—")),
        r.push_state.map(push_fr).unwrap_or("—"),
    );
    out.push_str("<section id=\"historique\"><h2>Historique des certificats</h2>");
    if p.history.is_empty() {
        out.push_str("<p>Aucun certificat reçu.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Début</th><th>Fin</th><th>Autorité</th><th>Reçu le</th>\
             <th>Fichier</th><th>Empreinte</th></tr></thead><tbody>",
        );
        for c in p.history.iter().rev() {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"empreinte\">{}</td></tr>",
                french_date(c.not_before, tz),
                french_date(c.not_after, tz),
                esc(&c.issuer),
                french_date(c.ingested_at, tz),
                esc(&c.source),
                c.sha256.to_hex()
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section><section id=\"alertes\"><h2>Alertes</h2>");
    if p.alerts.is_empty() {
        out.push_str("<p>Aucune alerte.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Date</th><th>Type</th><th>Seuil</th><th>État</th>\
             <th>Destinataires</th><th>Erreur</th></tr></thead><tbody>",
        );
        for a in p.alerts.iter().rev() {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                date_time(a.created_at, tz),
                alert_kind_fr(a.subject.kind()),
                a.subject
                    .threshold_days()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                alert_state_fr(a.state),
                esc(&a.recipients.join(", ")),
                esc(a.error.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section><section id=\"configurations\"><h2>Configuration nationale</h2>");
    if p.pushes.is_empty() {
        out.push_str("<p>Aucun envoi.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Créé le</th><th>État</th><th>Tentatives</th>\
             <th>Destination</th><th>Dernière erreur</th></tr></thead><tbody>",
        );
        for j in p.pushes {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                date_time(j.created_at, tz),
                push_fr(j.state),
                j.attempts,
                esc(&j.destination),
                esc(j.last_error.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section><section id=\"journal\"><h2>Journal</h2>");
    if p.audit.is_empty() {
        out.push_str("<p>Aucune entrée.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th>Date</th><th>Qui</th><th>Action</th><th>Issue</th>\
             <th>Détail</th></tr></thead><tbody>",
        );
        for e in p.audit.iter().rev() {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                date_time(e.at, tz),
                esc(&e.actor),
                esc(&e.action),
                esc(&e.outcome),
                esc(&e.detail)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section></body></html>\n");
    out
}
