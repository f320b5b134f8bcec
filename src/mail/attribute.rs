//! Which desk a message speaks for (DESIGN §10). The pieces of evidence,
//! strongest first: a reply to one of vigie's own messages, the
//! certificates' own evidence (as `cert ingest` reads it), a signature by
//! the desk's current certificate, the desk id in the subject or body, the
//! sender among the desk's contacts. Each piece names a set of desks; when
//! two pieces name no desk in common they disagree, and the message goes to
//! people: vigie never guesses.

use crate::desk::DeskId;
use crate::model::AttributedBy;

/// The desks each piece of evidence names (empty: the piece is silent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Desks of vigie's messages this one replies to.
    pub reply: Vec<DeskId>,
    /// Desks the certificates found name by their own evidence.
    pub certificate: Vec<DeskId>,
    /// Desks whose current certificate signed the message.
    pub signature: Vec<DeskId>,
    /// Desks whose id is written in the subject or body.
    pub subject: Vec<DeskId>,
    /// Desks that list the sender among their contacts.
    pub sender: Vec<DeskId>,
}

/// What the evidence says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribution {
    /// One desk, named by this piece (the strongest that narrows to it).
    Desk(DeskId, AttributedBy),
    /// No piece names a desk, or they leave several: each certificate is
    /// then attributed by its own evidence, as `cert ingest` does.
    Open,
    /// Two pieces disagree: for people. The sentence says which.
    Disagree(String),
}

impl Evidence {
    fn pieces(&self) -> [(AttributedBy, &Vec<DeskId>); 5] {
        [
            (AttributedBy::Reply, &self.reply),
            (AttributedBy::Certificate, &self.certificate),
            (AttributedBy::Signature, &self.signature),
            (AttributedBy::Subject, &self.subject),
            (AttributedBy::Sender, &self.sender),
        ]
    }
}

fn fr(by: AttributedBy) -> &'static str {
    match by {
        AttributedBy::Reply => "la réponse à un message de vigie",
        AttributedBy::Certificate => "le certificat",
        AttributedBy::Signature => "la signature",
        AttributedBy::Subject => "l'identifiant écrit dans le message",
        AttributedBy::Sender => "l'adresse de l'expéditeur",
    }
}

fn list(ids: &[DeskId]) -> String {
    ids.iter()
        .map(DeskId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Weighs the evidence.
pub fn attribute(e: &Evidence) -> Attribution {
    let mut common: Option<Vec<DeskId>> = None;
    let mut first: Option<(AttributedBy, &Vec<DeskId>)> = None;
    for (by, desks) in e.pieces() {
        if desks.is_empty() {
            continue;
        }
        match &common {
            None => {
                common = Some(desks.clone());
                first = Some((by, desks));
            }
            Some(c) => {
                let next: Vec<DeskId> = c.iter().filter(|d| desks.contains(d)).cloned().collect();
                if next.is_empty() {
                    let (fb, fd) = first.unwrap_or((by, desks));
                    return Attribution::Disagree(format!(
                        "{} désigne {} mais {} désigne {}",
                        fr(fb),
                        list(fd),
                        fr(by),
                        list(desks)
                    ));
                }
                common = Some(next);
            }
        }
    }
    let Some(common) = common else {
        return Attribution::Open;
    };
    if common.len() != 1 {
        return Attribution::Open;
    }
    // Credited to the strongest piece that names that one desk alone, else
    // to the strongest piece of all.
    let by = e
        .pieces()
        .into_iter()
        .find(|(_, d)| d.len() == 1 && d[0] == common[0])
        .or(first)
        .map_or(AttributedBy::Sender, |(by, _)| by);
    Attribution::Desk(common[0].clone(), by)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DeskId {
        DeskId::parse(s).unwrap()
    }

    #[test]
    fn strongest_agreeing_piece_names_the_desk() {
        let a = d("732829320-00001");
        let b = d("552100554-00001");
        let e = Evidence {
            certificate: vec![a.clone()],
            sender: vec![a.clone(), b.clone()],
            ..Evidence::default()
        };
        assert_eq!(
            attribute(&e),
            Attribution::Desk(a.clone(), AttributedBy::Certificate)
        );
        let e = Evidence {
            sender: vec![a.clone(), b.clone()],
            ..Evidence::default()
        };
        assert_eq!(attribute(&e), Attribution::Open);
        let e = Evidence {
            subject: vec![b.clone()],
            sender: vec![a.clone(), b.clone()],
            ..Evidence::default()
        };
        assert_eq!(
            attribute(&e),
            Attribution::Desk(b.clone(), AttributedBy::Subject)
        );
        assert_eq!(attribute(&Evidence::default()), Attribution::Open);
    }

    #[test]
    fn disagreement_goes_to_people() {
        let e = Evidence {
            reply: vec![d("732829320-00001")],
            certificate: vec![d("732829320-00002")],
            ..Evidence::default()
        };
        let Attribution::Disagree(why) = attribute(&e) else {
            panic!("{e:?}")
        };
        assert!(
            why.contains("732829320-00001") && why.contains("732829320-00002"),
            "{why}"
        );
    }
}
