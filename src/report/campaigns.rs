//! The report's campaign section (issue 16): per deadline campaign, how
//! many of the desks in the report's scope are done, scheduled and left,
//! and which are left. The counts are those of `vigie campaign show`,
//! restricted to the report's desks (all of them in an unscoped report).

use std::collections::HashSet;
use std::fmt::Write;

use crate::campaign::{Progress, Standing};
use crate::clock::local_date;
use crate::escape::html as esc;

use super::Report;

/// Writes the section, or nothing when there is no campaign.
pub(super) fn section(out: &mut String, report: &Report, links: bool) {
    if report.campaigns.is_empty() {
        return;
    }
    let in_scope: HashSet<&str> = report.rows.iter().map(|r| r.desk.as_str()).collect();
    let today = local_date(report.now, report.tz);
    out.push_str(
        "<section id=\"campagnes\"><h2>Campagnes</h2>\
         <p class=\"note\">Par campagne : les guichets déjà passés (faits), ceux qui ont une date \
         de passage (programmés) et ceux qui n'ont encore rien demandé (restants, relancés \
         aux seuils d'alerte jusqu'à l'échéance).</p>\
         <table><thead><tr><th>Campagne</th><th>Paramètre visé</th><th>Guichets concernés</th>\
         <th>Échéance</th><th>Faits</th><th>Programmés</th><th>Restants</th></tr></thead><tbody>",
    );
    for p in &report.campaigns {
        let c = &p.campaign;
        let n = |s: Standing| {
            p.with(s)
                .filter(|m| in_scope.contains(m.desk.as_str()))
                .count()
        };
        let days = p.days_left(today);
        let when = if c.closed {
            "close".to_owned()
        } else if days < 0 {
            "passée".to_owned()
        } else {
            format!("dans {days} j")
        };
        let _ = write!(
            out,
            "<tr data-campagne=\"{0}\"><td>{0}</td><td>{1}</td><td>{2}</td>\
             <td class=\"date\">{3} ({4})</td><td class=\"n\" data-compte=\"done\">{5}</td>\
             <td class=\"n\" data-compte=\"scheduled\">{6}</td>\
             <td class=\"n\" data-compte=\"left\">{7}</td></tr>",
            esc(&c.name),
            esc(&c.set_pair()),
            esc(&c.where_pair()),
            c.deadline.format("%d/%m/%Y"),
            when,
            n(Standing::Done),
            n(Standing::Scheduled),
            n(Standing::Left),
        );
    }
    out.push_str("</tbody></table>");
    for p in &report.campaigns {
        lines(out, p, &in_scope, links);
    }
    out.push_str("</section>");
}

/// The desks left and scheduled of one campaign.
fn lines(out: &mut String, p: &Progress, in_scope: &HashSet<&str>, links: bool) {
    let members: Vec<_> = p
        .members
        .iter()
        .filter(|m| m.standing != Standing::Done && in_scope.contains(m.desk.as_str()))
        .collect();
    if members.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h3>{} : guichets restants et programmés</h3><table><thead><tr><th>Guichet</th>\
         <th>Nom</th><th>Valeur actuelle</th><th>Situation</th><th>Date de passage</th></tr>\
         </thead><tbody>",
        esc(&p.campaign.name)
    );
    // Those left first: they are the team's to chase.
    let mut sorted = members;
    sorted.sort_by_key(|m| std::cmp::Reverse(m.standing));
    for m in sorted {
        out.push_str("<tr><td>");
        if links {
            let _ = write!(
                out,
                "<a href=\"/guichets/{0}\">{0}</a>",
                esc(m.desk.as_str())
            );
        } else {
            out.push_str(&esc(m.desk.as_str()));
        }
        let _ = write!(
            out,
            "</td><td>{}{}</td><td>{}</td><td>{}</td><td class=\"date\">{}</td></tr>",
            esc(&m.name),
            if m.suspended { " (suspendu)" } else { "" },
            esc(&m.current),
            m.standing.fr(),
            m.change
                .as_ref()
                .map(|(_, on)| on.format("%d/%m/%Y").to_string())
                .unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>");
}
