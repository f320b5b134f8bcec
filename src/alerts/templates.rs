//! The e-mail templates: minijinja, strict about undefined variables, one
//! subject, text and HTML file per kind of message and language. The defaults
//! are compiled into the binary; a file of the same name in the configured
//! `templates_dir` replaces its default, file by file.

use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior, Value};

use super::AlertKind;
use crate::desk::Lang;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/mail/", $name)))),*]
    };
}

/// The default templates, by file name.
const EMBEDDED: &[(&str, &str)] = embedded!(
    "threshold.fr.subject",
    "threshold.fr.txt",
    "threshold.fr.html",
    "threshold.en.subject",
    "threshold.en.txt",
    "threshold.en.html",
    "expired.fr.subject",
    "expired.fr.txt",
    "expired.fr.html",
    "expired.en.subject",
    "expired.en.txt",
    "expired.en.html",
    "digest.fr.subject",
    "digest.fr.txt",
    "digest.fr.html",
    "digest.en.subject",
    "digest.en.txt",
    "digest.en.html",
    "refusal.fr.subject",
    "refusal.fr.txt",
    "refusal.fr.html",
    "refusal.en.subject",
    "refusal.en.txt",
    "refusal.en.html",
    "confirmation.fr.subject",
    "confirmation.fr.txt",
    "confirmation.fr.html",
    "confirmation.en.subject",
    "confirmation.en.txt",
    "confirmation.en.html",
    // Issue 16: a deadline campaign's reminder.
    "campaign.fr.subject",
    "campaign.fr.txt",
    "campaign.fr.html",
    "campaign.en.subject",
    "campaign.en.txt",
    "campaign.en.html",
    "change_scheduled.fr.subject",
    "change_scheduled.fr.txt",
    "change_scheduled.fr.html",
    "change_scheduled.en.subject",
    "change_scheduled.en.txt",
    "change_scheduled.en.html",
    "change_cancelled.fr.subject",
    "change_cancelled.fr.txt",
    "change_cancelled.fr.html",
    "change_cancelled.en.subject",
    "change_cancelled.en.txt",
    "change_cancelled.en.html",
    "change_applied.fr.subject",
    "change_applied.fr.txt",
    "change_applied.fr.html",
    "change_applied.en.subject",
    "change_applied.en.txt",
    "change_applied.en.html",
);

/// A template that could not be loaded or rendered.
#[derive(Debug, thiserror::Error)]
#[error("template {name}{origin}: {message}")]
pub struct TemplateError {
    /// The template's file name.
    pub name: String,
    /// Where it came from (empty for the embedded default).
    pub origin: String,
    /// minijinja's words, with the line.
    pub message: String,
}

/// A rendered message: subject on one line, text and HTML alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject, control characters replaced by spaces.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// The template set in use.
pub struct Templates {
    env: Environment<'static>,
    dir: Option<PathBuf>,
}

impl Templates {
    /// The embedded templates, overridden by files in `dir` when given.
    pub fn new(dir: Option<&Path>) -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        let owned = dir.map(Path::to_owned);
        let lookup = owned.clone();
        env.set_loader(move |name| {
            if let Some(dir) = &lookup {
                let path = dir.join(name);
                match std::fs::read_to_string(&path) {
                    Ok(text) => return Ok(Some(text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read {}: {e}", path.display()),
                        ))
                    }
                }
            }
            Ok(embedded(name).map(str::to_owned))
        });
        Templates { env, dir: owned }
    }

    /// Every template name, in a stable order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        EMBEDDED.iter().map(|(n, _)| *n)
    }

    /// Where a template comes from: the override file, or the embedded default.
    pub fn origin(&self, name: &str) -> String {
        match &self.dir {
            Some(d) if d.join(name).is_file() => format!(" ({})", d.join(name).display()),
            _ => String::new(),
        }
    }

    /// Renders one template.
    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, TemplateError> {
        let fail = |e: minijinja::Error| TemplateError {
            name: name.to_owned(),
            origin: self.origin(name),
            message: describe(&e),
        };
        self.env
            .get_template(name)
            .map_err(fail)?
            .render(ctx)
            .map_err(fail)
    }

    /// Renders the subject, text and HTML of a kind of message.
    pub fn message(
        &self,
        kind: AlertKind,
        lang: Lang,
        ctx: &Value,
    ) -> Result<Rendered, TemplateError> {
        let base = format!("{}.{lang}", kind.as_str());
        let subject = self.render(&format!("{base}.subject"), ctx)?;
        Ok(Rendered {
            subject: one_line(&subject),
            text: self.render(&format!("{base}.txt"), ctx)?,
            html: self.render(&format!("{base}.html"), ctx)?,
        })
    }
}

/// The embedded default of a template.
pub fn embedded(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

pub use crate::escape::one_line;

fn describe(e: &minijinja::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_variables_are_errors_and_overrides_apply() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("threshold.fr.subject"),
            "fin de vie {{ nope }}",
        )
        .unwrap();
        let t = Templates::new(Some(dir.path()));
        let err = t
            .render("threshold.fr.subject", &Value::from(()))
            .unwrap_err();
        assert!(err.to_string().contains("threshold.fr.subject"), "{err}");
        assert!(err.origin.contains(&dir.path().display().to_string()));
        std::fs::write(dir.path().join("threshold.fr.subject"), "Bonjour {{ x }}").unwrap();
        let t = Templates::new(Some(dir.path()));
        let ctx = minijinja::context! { x => "a\r\nBcc: b" };
        assert_eq!(
            one_line(&t.render("threshold.fr.subject", &ctx).unwrap()),
            "Bonjour a Bcc: b"
        );
    }

    #[test]
    fn every_name_is_embedded() {
        for n in Templates::names() {
            assert!(!embedded(n).unwrap().is_empty(), "{n}");
        }
    }
}
